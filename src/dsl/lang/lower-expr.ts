import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import type { ArrayExpr, CallExpr, Expr, IndexExpr, IndexPart, NameRef } from './ast.js';
import { bindArguments } from './bind-args.js';
import type { DataRecord } from './data-spec.js';
import { FUNCTIONS } from './functions.js';
import { gather } from '../math/gather.js';
import { indexByPlates, type PlateFrame } from './plate-index.js';
import type { ProgramInfo } from './program-info.js';
import { aligned, asTensorValue, broadcastOrFail, elementwise, withItemRank, type RValue, type TensorValue } from './values.js';

/** What a running program provides to expressions. */
export interface RunEnv {
  readonly data: DataRecord;
  readonly sizes: Readonly<Record<string, number>>;
  constant(name: string): RValue;
  param(name: string): tf.Tensor;
  net(name: string): (x: tf.Tensor) => tf.Tensor;
  /** An enclosing plate by name. */
  plate(name: string): PlateFrame;
  /** A local definition or latent in scope. */
  local(name: string): RValue;
}

export type Eval = (env: RunEnv) => RValue;

/** Data may come as int32 or bool tensors; the program computes in float32 (like every roulette tensor). */
export function asFloat(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** `line:column` of a node, for run-time error messages. */
export function at(e: { readonly span: { readonly start: { readonly line: number; readonly column: number } } }): string {
  return `${e.span.start.line}:${e.span.start.column}`;
}

/**
 * Expressions to closures, built once per compile. Every closure maps a run's environment to a value;
 * nothing is generated as text or evaluated as code.
 */
export class ExprCompiler {
  constructor(private readonly info: ProgramInfo) {}

  compile(e: Expr): Eval {
    switch (e.kind) {
      case 'number': {
        const value = e.value;
        return () => value;
      }
      case 'name':
        return this.#name(e);
      case 'call':
        return this.#call(e);
      case 'binary': {
        const left = this.compile(e.left);
        const right = this.compile(e.right);
        const [onNumbers, onTensors] = BINARY[e.op];
        return (env) => elementwise(left(env), right(env), onNumbers, onTensors);
      }
      case 'unary': {
        const operand = this.compile(e.operand);
        return (env) => {
          const v = operand(env);
          return typeof v === 'number' ? -v : { tensor: tf.neg(v.tensor), itemRank: v.itemRank };
        };
      }
      case 'index':
        return this.#index(e);
      case 'array':
        return this.#array(e);
      case 'error':
        return () => fail('invalid-argument', `the program has a syntax error at ${at(e)}`);
    }
  }

  /** The value of a name, indexed by the plates the checker found for this use. */
  #name(ref: NameRef): Eval {
    const resolution = this.info.resolutions.get(ref);
    if (!resolution) return () => fail('invalid-argument', `'${ref.name}' at ${at(ref)} was not resolved by the checker`);
    const { kind, name, gathers } = resolution;
    const raw: Eval = (() => {
      switch (kind) {
        case 'data':
          return (env) => {
            const t = asFloat(env.data[name]!);
            return { tensor: t, itemRank: t.rank };
          };
        case 'param':
          return (env) => {
            const t = env.param(name);
            return { tensor: t, itemRank: t.rank };
          };
        case 'const':
          return (env) => env.constant(name);
        case 'size':
          return (env) => env.sizes[name]!;
        case 'local':
        case 'latent':
          return (env) => env.local(name);
      }
    })();
    if (gathers.length === 0) return raw;
    const what = `'${name}' at ${at(ref)}`;
    return (env) => indexByPlates(asTensorValue(raw(env)), gathers.map((p) => env.plate(p)), what);
  }

  #call(e: CallExpr): Eval {
    const name = e.callee.name;
    if (this.info.netCalls.has(e)) {
      const input = this.compile(e.args[0]!.value);
      return (env) => {
        const x = asTensorValue(input(env));
        return { tensor: env.net(name)(x.tensor), itemRank: x.itemRank };
      };
    }
    const fn = FUNCTIONS.get(name);
    if (!fn) return () => fail('invalid-argument', `unknown function '${name}' at ${at(e)}`);
    let ordered: Expr[];
    if (fn.params.length === 0) {
      ordered = e.args.map((a) => a.value);
    } else {
      const bound = bindArguments(e.args, { what: name, positional: fn.params, names: fn.params }, () => undefined) ?? new Map();
      ordered = [];
      for (const p of fn.params) {
        const a = bound.get(p);
        if (!a) break;
        ordered.push(a.value);
      }
    }
    const args = ordered.map((a) => this.compile(a));
    return (env) => fn.run(args.map((a) => a(env)));
  }

  #index(e: IndexExpr): Eval {
    const target = this.compile(e.target);
    const parts = e.parts.map((p) => this.#part(p));
    const where = at(e);
    return (env) => {
      let v = asTensorValue(target(env));
      let item = 0; // position within the item dims of the next index
      for (const part of parts) {
        const r = part(env, v, item, where);
        v = r.value;
        item = r.next;
      }
      return v;
    };
  }

  #part(p: IndexPart): (env: RunEnv, v: TensorValue, item: number, where: string) => { value: TensorValue; next: number } {
    if (p.kind === 'at') {
      const index = this.compile(p.index);
      return (env, v, item, where) => {
        const i = index(env);
        if (typeof i === 'number') return { value: pick(v, item, i, where), next: item };
        return { value: gatherBy(v, item, i, where), next: item };
      };
    }
    const start = p.start ? this.compile(p.start) : undefined;
    const end = p.end ? this.compile(p.end) : undefined;
    return (env, v, item, where) => {
      const bound = (f: Eval | undefined): number | undefined => {
        if (!f) return undefined;
        const b = f(env);
        if (typeof b !== 'number' || !Number.isInteger(b)) fail('invalid-argument', `slice bound at ${where} must be an integer`);
        return b;
      };
      return { value: slice(v, item, bound(start), bound(end)), next: item + 1 };
    };
  }

  #array(e: ArrayExpr): Eval {
    const elements = e.elements.map((x) => this.compile(x));
    return (env) => {
      const values = elements.map((x) => x(env));
      if (values.every((v): v is number => typeof v === 'number')) return { tensor: tf.tensor1d(values), itemRank: 1 };
      const tensors = values.map(asTensorValue);
      const rank = Math.max(...tensors.map((t) => t.itemRank));
      const lifted = tensors.map((t) => withItemRank(t, rank));
      const shape = broadcastOrFail(lifted.map((t) => t.shape));
      const stacked = tf.stack(lifted.map((t) => (tf.util.arraysEqual(t.shape, shape) ? t : tf.broadcastTo(t, shape))), shape.length - rank);
      return { tensor: stacked, itemRank: rank + 1 };
    };
  }
}

const BINARY: Record<'+' | '-' | '*' | '/' | '^', readonly [(a: number, b: number) => number, (a: tf.Tensor | number, b: tf.Tensor | number) => tf.Tensor]> = {
  '+': [(a, b) => a + b, (a, b) => tf.add(a, b)],
  '-': [(a, b) => a - b, (a, b) => tf.sub(a, b)],
  '*': [(a, b) => a * b, (a, b) => tf.mul(a, b)],
  '/': [(a, b) => a / b, (a, b) => tf.div(a, b)],
  '^': [(a, b) => a ** b, (a, b) => tf.pow(a, b)],
};

function itemDim(v: TensorValue, item: number, where: string): [axis: number, size: number] {
  if (item >= v.itemRank) fail('shape-mismatch', `too many indices at ${where} for a value with ${v.itemRank} dims`);
  const axis = v.tensor.rank - v.itemRank + item;
  return [axis, v.tensor.shape[axis]!];
}

/** v[..., i, ...] at item dim `item`, for a number i (negative counts from the end). */
function pick(v: TensorValue, item: number, i: number, where: string): TensorValue {
  const [axis, size] = itemDim(v, item, where);
  if (!Number.isInteger(i) || i >= size || i < -size) fail('invalid-argument', `index ${i} at ${where} is out of range for a dim of size ${size}`);
  const j = i < 0 ? size + i : i;
  const begin = v.tensor.shape.map((_, a) => (a === axis ? j : 0));
  const extent = v.tensor.shape.map((d, a) => (a === axis ? 1 : d));
  return { tensor: tf.squeeze(tf.slice(v.tensor, begin, extent), [axis]), itemRank: v.itemRank - 1 };
}

/** Python-style slice start:end of item dim `item` (bounds clamped, negative from the end). */
function slice(v: TensorValue, item: number, start: number | undefined, end: number | undefined): TensorValue {
  const [axis, size] = itemDim(v, item, 'a slice');
  const clamp = (i: number): number => Math.min(size, Math.max(0, i < 0 ? size + i : i));
  const from = start === undefined ? 0 : clamp(start);
  const to = end === undefined ? size : clamp(end);
  if (from === 0 && to === size) return v;
  const begin = v.tensor.shape.map((_, a) => (a === axis ? from : 0));
  const extent = v.tensor.shape.map((d, a) => (a === axis ? Math.max(0, to - from) : d));
  return { tensor: tf.slice(v.tensor, begin, extent), itemRank: v.itemRank };
}

/**
 * v[..., idx, ...] with a tensor of integer indices (one per batch element: a categorical draw, int
 * data). Without batch dims on v this is a gather; otherwise a one-hot contraction, which also
 * broadcasts v's batch dims (particles) against idx's.
 */
function gatherBy(v: TensorValue, item: number, idx: TensorValue, where: string): TensorValue {
  if (idx.itemRank !== 0) fail('shape-mismatch', `an index at ${where} must be one integer per element`);
  const [, size] = itemDim(v, item, where);
  const indices = tf.cast(idx.tensor, 'int32');
  if (v.tensor.rank === v.itemRank && item === 0) {
    return { tensor: gather(v.tensor, indices, 0), itemRank: v.itemRank - 1 };
  }
  const n = v.itemRank;
  const oneHot = tf.cast(tf.oneHot(tf.reshape(indices, [-1]), size), 'float32');
  const shaped = tf.reshape(oneHot, [...idx.tensor.shape, ...new Array<number>(item).fill(1), size, ...new Array<number>(n - item - 1).fill(1)]);
  const [x, y] = aligned(v, { tensor: shaped, itemRank: n });
  const product = tf.mul(x, y);
  return { tensor: tf.sum(product, product.rank - n + item), itemRank: n - 1 };
}
