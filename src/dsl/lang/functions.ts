import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { cholesky, diagMatrix } from '../math/linalg.js';
import { digamma, lgamma, lgammaNumber } from '../math/special.js';
import type { Span } from './ast.js';
import type { DiagnosticCode } from './diagnostics.js';
import { broadcast, formatShape, sameDim, type Dim, type ValueType } from './static-shapes.js';
import { aligned, asTensorValue, broadcastShapes, itemAxis, withItemRank, type RValue, type TensorValue } from './values.js';

/**
 * The built-in functions of the language: each with its static rule (item shapes in, item shape out,
 * with positioned errors) and its run-time implementation on item-aware values. Functions act on
 * item dims only (`sum(x)` sums one datapoint's entries, never across particles or plates).
 */

export interface StaticArg {
  readonly type: ValueType;
  readonly span: Span;
}

/** Report a problem with a call (the checker turns it into a diagnostic; default code 'shape-mismatch'). */
export type Reporter = (span: Span, message: string, hint: string, code?: DiagnosticCode) => void;

export interface FunctionSpec {
  readonly name: string;
  /** One line for references and hints: signature and meaning. */
  readonly summary: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Names that may be given as `name = value` (matched to positions in order). */
  readonly params: readonly string[];
  type(args: readonly StaticArg[], call: Span, report: Reporter): ValueType | undefined;
  run(args: readonly RValue[]): RValue;
}

const real = (item: readonly Dim[], positive = false): ValueType => ({ item, elem: 'real', ...(positive ? { positive } : {}) });

// ---------------------------------------------------------------------------------------------
// Elementwise functions

function unary(name: string, summary: string, onNumber: ((x: number) => number) | undefined, onTensor: (x: tf.Tensor) => tf.Tensor, positive = false): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 1,
    maxArgs: 1,
    params: ['x'],
    type([x]) {
      const t = x!.type;
      const constant = t.constant !== undefined && onNumber ? onNumber(t.constant) : undefined;
      return { item: t.item, elem: 'real', ...(constant !== undefined ? { constant } : {}), ...(positive ? { positive } : {}) };
    },
    run([x]) {
      if (typeof x === 'number') return onNumber ? onNumber(x) : onTensor(tf.scalar(x)).dataSync()[0]!;
      return { tensor: onTensor(x!.tensor), itemRank: x!.itemRank };
    },
  };
}

const softplusNumber = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));

function binary(name: string, summary: string, onNumbers: (a: number, b: number) => number, onTensors: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 2,
    maxArgs: 2,
    params: ['a', 'b'],
    type([a, b], call, report) {
      const joined = broadcastOrReport(a!, b!, call, report, name);
      if (!joined) return undefined;
      const constant = a!.type.constant !== undefined && b!.type.constant !== undefined ? onNumbers(a!.type.constant, b!.type.constant) : undefined;
      return { item: joined, elem: 'real', ...(constant !== undefined ? { constant } : {}) };
    },
    run([a, b]) {
      if (typeof a === 'number' && typeof b === 'number') return onNumbers(a, b);
      const [x, y, rank] = aligned(asTensorValue(a!), asTensorValue(b!));
      return { tensor: onTensors(x, y), itemRank: rank };
    },
  };
}

export function broadcastOrReport(a: StaticArg, b: StaticArg, at: Span, report: Reporter, what: string): Dim[] | undefined {
  const result = broadcast(a.type.item, b.type.item);
  if ('shape' in result) return result.shape;
  report(
    at,
    `${what}: shapes ${formatShape(a.type.item)} and ${formatShape(b.type.item)} do not broadcast (${String(result.failure.left)} vs ${String(result.failure.right)} in the ${ordinal(result.failure.fromRight)} dim from the right)`,
    'dims are matched from the right and must be equal or 1; index or slice one side, or use matmul for products of matrices',
  );
  return undefined;
}

function ordinal(n: number): string {
  return n === 1 ? 'last' : n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`;
}

// ---------------------------------------------------------------------------------------------
// Reductions over item dims

function axisOf(arg: StaticArg | undefined, rank: number, report: Reporter, name: string): number | null | undefined {
  if (!arg) return null;
  const c = arg.type.constant;
  if (c === undefined || !Number.isInteger(c)) {
    report(arg.span, `${name}: the axis must be an integer constant`, 'write e.g. sum(x, 0) for the first dim of x, or sum(x) for all of them', 'not-constant');
    return undefined;
  }
  if (c < -rank || c >= rank) {
    report(arg.span, `${name}: axis ${c} is out of range for a value with ${rank} dim${rank === 1 ? '' : 's'}`, rank === 0 ? 'a scalar has no axes: drop the axis' : `use an axis from ${-rank} to ${rank - 1}`, 'index-out-of-range');
    return undefined;
  }
  return c < 0 ? rank + c : c;
}

function reduction(name: string, summary: string, onTensor: (x: tf.Tensor, axes: number[]) => tf.Tensor): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 1,
    maxArgs: 2,
    params: ['x', 'axis'],
    type([x, axisArg], _call, report) {
      const axis = axisOf(axisArg, x!.type.item.length, report, name);
      if (axis === undefined) return undefined;
      if (axis === null) return real([]);
      return real(x!.type.item.filter((_, i) => i !== axis));
    },
    run([x, axisValue]) {
      // A scalar's sum, mean, max, min and logSumExp is itself.
      if (typeof x === 'number' || x!.itemRank === 0) return x!;
      const axes =
        axisValue === undefined
          ? Array.from({ length: x!.itemRank }, (_, i) => itemAxis(x!, i))
          : [itemAxis(x!, requireInteger(axisValue, `${name}: axis`))];
      return { tensor: onTensor(x!.tensor, axes), itemRank: x!.itemRank - axes.length };
    },
  };
}

function requireInteger(v: RValue, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('invalid-argument', `${what} must be an integer, got ${typeof v === 'number' ? v : 'a tensor'}`);
  return v;
}

function lastAxis(name: string, summary: string, onTensor: (x: tf.Tensor) => tf.Tensor): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 1,
    maxArgs: 1,
    params: ['x'],
    type([x], call, report) {
      if (x!.type.item.length === 0) {
        report(call, `${name} needs a vector (it normalises over the last dim), got a scalar`, `apply ${name} to a value with at least one dim, e.g. logits of shape [K]`);
        return undefined;
      }
      return real(x!.type.item);
    },
    run([x]) {
      const v = asTensorValue(x!);
      return { tensor: onTensor(v.tensor), itemRank: v.itemRank };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Linear algebra

function dotTensors(a: TensorValue, b: TensorValue): TensorValue {
  const [x, y, rank] = aligned(a, b);
  return { tensor: tf.sum(tf.mul(x, y), -1), itemRank: rank - 1 };
}

function expandItem(v: TensorValue, at: number): TensorValue {
  // A unit dim inserted at item position `at` (negative: from the end).
  return { tensor: tf.expandDims(v.tensor, at < 0 ? v.tensor.rank + at + 1 : v.tensor.rank - v.itemRank + at), itemRank: v.itemRank + 1 };
}

function matmulTensors(a: TensorValue, b: TensorValue): TensorValue {
  const ra = a.itemRank;
  const rb = b.itemRank;
  if (ra === 1 && rb === 1) return dotTensors(a, b);
  if (ra === 2 && rb === 1) return dotTensors(a, expandItem(b, 0));
  // b without batch dims (a param or constant matrix): one tf.matMul on the flattened batch.
  if (rb === 2 && b.tensor.rank === 2) {
    const m = b.tensor.shape[0]!;
    const p = b.tensor.shape[1]!;
    const lead = a.tensor.shape.slice(0, -1);
    const flat = a.tensor.rank === 2 ? a.tensor : tf.reshape(a.tensor, [-1, m]);
    const out = tf.matMul(flat, b.tensor);
    return { tensor: a.tensor.rank === 2 ? out : tf.reshape(out, [...lead, p]), itemRank: ra };
  }
  if (ra === 1 && rb === 2) {
    const [x, y, rank] = aligned(expandItem(a, -1), b); // [.., m, 1] * [.., m, p]
    return { tensor: tf.sum(tf.mul(x, y), -2), itemRank: rank - 1 };
  }
  const [x, y, rank] = aligned(expandItem(a, -1), expandItem(b, -3)); // [.., n, m, 1] * [.., 1, m, p]
  return { tensor: tf.sum(tf.mul(x, y), -2), itemRank: rank - 1 };
}

const matmul: FunctionSpec = {
  name: 'matmul',
  summary: 'matmul(a, b): matrix product of vectors/matrices ([n, m] x [m, p], [m] x [m, p], [n, m] x [m], [m] x [m])',
  minArgs: 2,
  maxArgs: 2,
  params: ['a', 'b'],
  type([a, b], call, report) {
    const x = a!.type.item;
    const y = b!.type.item;
    if (x.length < 1 || x.length > 2 || y.length < 1 || y.length > 2) {
      report(call, `matmul needs vectors or matrices, got shapes ${formatShape(x)} and ${formatShape(y)}`, 'use * for elementwise products of scalars; index or sum higher-rank values first');
      return undefined;
    }
    if (sameDim(x[x.length - 1]!, y[0]!) === 'no') {
      report(call, `matmul: the inner dims differ: ${formatShape(x)} x ${formatShape(y)}`, 'the last dim of the first argument must equal the first dim of the second');
      return undefined;
    }
    return real([...x.slice(0, -1), ...y.slice(1)]);
  },
  run([a, b]) {
    return matmulTensors(asTensorValue(a!), asTensorValue(b!));
  },
};

const dot: FunctionSpec = {
  name: 'dot',
  summary: 'dot(a, b): sum of a * b over the last dim',
  minArgs: 2,
  maxArgs: 2,
  params: ['a', 'b'],
  type([a, b], call, report) {
    const x = a!.type.item;
    const y = b!.type.item;
    if (x.length === 0 || y.length === 0) {
      report(call, 'dot needs two vectors (it sums over the last dim)', 'for scalars, use *');
      return undefined;
    }
    const joined = broadcastOrReport(a!, b!, call, report, 'dot');
    return joined ? real(joined.slice(0, -1)) : undefined;
  },
  run([a, b]) {
    return dotTensors(asTensorValue(a!), asTensorValue(b!));
  },
};

const transpose: FunctionSpec = {
  name: 'transpose',
  summary: 'transpose(A): swaps the last two dims',
  minArgs: 1,
  maxArgs: 1,
  params: ['x'],
  type([x], call, report) {
    const item = x!.type.item;
    if (item.length < 2) {
      report(call, `transpose needs a matrix, got shape ${formatShape(item)}`, 'transpose swaps the last two dims');
      return undefined;
    }
    return { ...x!.type, item: [...item.slice(0, -2), item[item.length - 1]!, item[item.length - 2]!] };
  },
  run([x]) {
    const v = asTensorValue(x!);
    const perm = Array.from({ length: v.tensor.rank }, (_, i) => i);
    [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2]!, perm[perm.length - 1]!];
    return { tensor: tf.transpose(v.tensor, perm), itemRank: v.itemRank };
  },
};

const diag: FunctionSpec = {
  name: 'diag',
  summary: 'diag(v): the diagonal matrix with v on its diagonal',
  minArgs: 1,
  maxArgs: 1,
  params: ['v'],
  type([v], call, report) {
    const item = v!.type.item;
    if (item.length === 0) {
      report(call, 'diag needs a vector', 'diag([1, 2]) is [[1, 0], [0, 2]]');
      return undefined;
    }
    return real([...item, item[item.length - 1]!]);
  },
  run([v]) {
    const t = asTensorValue(v!);
    return { tensor: diagMatrix(t.tensor), itemRank: t.itemRank + 1 };
  },
};

const choleskyFactor: FunctionSpec = {
  name: 'cholesky',
  summary: 'cholesky(A): the lower Cholesky factor of a positive-definite matrix',
  minArgs: 1,
  maxArgs: 1,
  params: ['a'],
  type([a], call, report) {
    const item = a!.type.item;
    if (item.length < 2 || sameDim(item[item.length - 1]!, item[item.length - 2]!) === 'no') {
      report(call, `cholesky needs a square matrix, got shape ${formatShape(item)}`, 'give a [D, D] covariance matrix');
      return undefined;
    }
    return real(item);
  },
  run([a]) {
    const t = asTensorValue(a!);
    return { tensor: cholesky(t.tensor), itemRank: t.itemRank };
  },
};

// ---------------------------------------------------------------------------------------------
// Construction

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
    const lead = broadcastShapes(lifted.map((t) => t.shape.slice(0, -1)));
    const pieces = lifted.map((t) => tf.broadcastTo(t, [...lead, t.shape[t.rank - 1]!]));
    return { tensor: tf.concat(pieces, -1), itemRank: rank };
  },
};

// ---------------------------------------------------------------------------------------------

const TABLE: readonly FunctionSpec[] = [
  unary('exp', 'exp(x): e^x, elementwise', Math.exp, (x) => tf.exp(x), true),
  unary('log', 'log(x): natural logarithm', Math.log, (x) => tf.log(x)),
  unary('log1p', 'log1p(x): log(1 + x), accurate near 0', Math.log1p, (x) => tf.log1p(x)),
  unary('expm1', 'expm1(x): e^x - 1, accurate near 0', Math.expm1, (x) => tf.expm1(x)),
  unary('sqrt', 'sqrt(x): square root', Math.sqrt, (x) => tf.sqrt(x)),
  unary('square', 'square(x): x * x', (x) => x * x, (x) => tf.square(x)),
  unary('abs', 'abs(x): absolute value', Math.abs, (x) => tf.abs(x)),
  unary('sin', 'sin(x)', Math.sin, (x) => tf.sin(x)),
  unary('cos', 'cos(x)', Math.cos, (x) => tf.cos(x)),
  unary('tanh', 'tanh(x): hyperbolic tangent', Math.tanh, (x) => tf.tanh(x)),
  unary('sigmoid', 'sigmoid(x): 1 / (1 + e^-x)', (x) => 1 / (1 + Math.exp(-x)), (x) => tf.sigmoid(x), true),
  unary('softplus', 'softplus(x): log(1 + e^x), a smooth positive function', softplusNumber, (x) => tf.softplus(x), true),
  unary('relu', 'relu(x): max(x, 0)', (x) => Math.max(x, 0), (x) => tf.relu(x)),
  unary('logit', 'logit(p): log(p / (1 - p))', (p) => Math.log(p) - Math.log1p(-p), (p) => tf.sub(tf.log(p), tf.log1p(tf.neg(p)))),
  unary('lgamma', 'lgamma(x): log Gamma(x)', lgammaNumber, (x) => lgamma(x)),
  unary('digamma', 'digamma(x): d/dx log Gamma(x)', undefined, (x) => digamma(x)),
  binary('pow', 'pow(a, b): a^b (also written a ^ b)', Math.pow, (a, b) => tf.pow(a, b)),
  binary('maximum', 'maximum(a, b): elementwise larger of a and b', Math.max, (a, b) => tf.maximum(a, b)),
  binary('minimum', 'minimum(a, b): elementwise smaller of a and b', Math.min, (a, b) => tf.minimum(a, b)),
  reduction('sum', 'sum(x[, axis]): sum over all dims of x, or over one axis', (x, axes) => tf.sum(x, axes)),
  reduction('mean', 'mean(x[, axis]): mean over all dims of x, or over one axis', (x, axes) => tf.mean(x, axes)),
  reduction('logSumExp', 'logSumExp(x[, axis]): log(sum(exp(x))), computed stably', (x, axes) => tf.logSumExp(x, axes)),
  reduction('max', 'max(x[, axis]): largest entry', (x, axes) => tf.max(x, axes)),
  reduction('min', 'min(x[, axis]): smallest entry', (x, axes) => tf.min(x, axes)),
  lastAxis('softmax', 'softmax(x): exp(x) normalised over the last dim', (x) => tf.softmax(x)),
  lastAxis('logSoftmax', 'logSoftmax(x): x - logSumExp(x) over the last dim', (x) => tf.logSoftmax(x)),
  matmul,
  dot,
  transpose,
  diag,
  choleskyFactor,
  filled('zeros', 0),
  filled('ones', 1),
  eye,
  concat,
];

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(TABLE.map((f) => [f.name, f]));
