import * as tf from '@tensorflow/tfjs';
import { fail } from '../../../runtime/errors.js';
import { broadcast, formatShape, type Dim } from '../static-shapes.js';
import { asTensorValue, broadcastOrFail, withItemRank, type RValue } from '../values.js';
import { real, type FunctionSpec, type Reporter, type StaticArg } from './spec.js';

/** Arrays built from sizes (zeros, ones, eye) and joined from values (concat). */

function dimsOf(args: readonly StaticArg[], report: Reporter, name: string): Dim[] | undefined {
  const dims: Dim[] = [];
  for (const a of args) {
    if (a.type.asDim === undefined) {
      report(a.span, `${name}: sizes must be integer constants or size names`, `write e.g. ${name}(3) or ${name}(D)`, 'not-constant');
      return undefined;
    }
    dims.push(a.type.asDim);
  }
  return dims;
}

function sizesAt(args: readonly RValue[], name: string): number[] {
  return args.map((a) => {
    const n = typeof a === 'number' ? a : NaN;
    if (!Number.isInteger(n) || n < 1) fail('invalid-argument', `${name}: sizes must be positive integers, got ${typeof a === 'number' ? a : 'a tensor'}`);
    return n;
  });
}

function filled(name: string, value: number): FunctionSpec {
  return {
    name,
    summary: `${name}(d1, d2, ...): an array of ${value}s of that shape`,
    minArgs: 1,
    maxArgs: 8,
    params: [],
    type(args, _call, report) {
      const dims = dimsOf(args, report, name);
      return dims ? real(dims, value > 0) : undefined;
    },
    run(args) {
      const dims = sizesAt(args, name);
      return { tensor: tf.fill(dims, value), itemRank: dims.length };
    },
  };
}

const eye: FunctionSpec = {
  name: 'eye',
  summary: 'eye(n): the n x n identity matrix',
  minArgs: 1,
  maxArgs: 1,
  params: ['n'],
  type(args, _call, report) {
    const dims = dimsOf(args, report, 'eye');
    return dims ? real([dims[0]!, dims[0]!]) : undefined;
  },
  run(args) {
    const [n] = sizesAt(args, 'eye');
    return { tensor: tf.eye(n!), itemRank: 2 };
  },
};

const concat: FunctionSpec = {
  name: 'concat',
  summary: 'concat(a, b, ...): joins values along their last dim',
  minArgs: 2,
  maxArgs: 16,
  params: [],
  type(args, call, report) {
    const rank = Math.max(...args.map((a) => a.type.item.length));
    if (rank === 0) {
      report(call, 'concat joins vectors along their last dim; these are scalars', 'make vectors first, e.g. [a, b]');
      return undefined;
    }
    let lead: Dim[] = [];
    let last: Dim = 0;
    for (const a of args) {
      const item = [...new Array<Dim>(rank - a.type.item.length).fill(1), ...a.type.item];
      const joined = broadcast(lead, item.slice(0, -1));
      if ('failure' in joined) {
        report(a.span, `concat: leading dims ${formatShape(item.slice(0, -1))} do not match ${formatShape(lead)}`, 'all but the last dim must agree (or be 1)');
        return undefined;
      }
      lead = joined.shape;
      const d = item[item.length - 1]!;
      last = typeof last === 'number' && typeof d === 'number' ? last + d : null;
    }
    return real([...lead, last]);
  },
  run(args) {
    const values = args.map(asTensorValue);
    const rank = Math.max(...values.map((v) => v.itemRank));
    const lifted = values.map((v) => withItemRank(v, rank));
    // Every dim but the last (batch and leading item dims) broadcasts to a common shape.
    const lead = broadcastOrFail(lifted.map((t) => t.shape.slice(0, -1)));
    const pieces = lifted.map((t) => tf.broadcastTo(t, [...lead, t.shape[t.rank - 1]!]));
    return { tensor: tf.concat(pieces, -1), itemRank: rank };
  },
};

export const CONSTRUCTION: readonly FunctionSpec[] = [filled('zeros', 0), filled('ones', 1), eye, concat];
