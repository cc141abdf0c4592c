import * as tf from '@tensorflow/tfjs';
import { cholesky, diagMatrix } from '../../math/linalg.js';
import { formatShape, sameDim } from '../static-shapes.js';
import { aligned, asTensorValue, type TensorValue } from '../values.js';
import { broadcastOrReport, real, type FunctionSpec } from './spec.js';

/** Products, transposes, diagonals and Cholesky factors of item vectors and matrices. */

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

export const LINEAR_ALGEBRA: readonly FunctionSpec[] = [matmul, dot, transpose, diag, choleskyFactor];
