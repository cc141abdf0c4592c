import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { broadcastStrides } from '../../../src/runtime/fast/index.js';
import { addon, data, restoreDefault, runCases, skipReason, type Backend } from './helpers.js';

type Op = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const arithmetic: ReadonlyArray<readonly [string, Op]> = [['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div]];
const comparisons: ReadonlyArray<readonly [string, Op]> = [
  ['equal', tf.equal], ['notEqual', tf.notEqual], ['less', tf.less], ['lessEqual', tf.lessEqual], ['greater', tf.greater], ['greaterEqual', tf.greaterEqual],
];
const logical: ReadonlyArray<readonly [string, Op]> = [['logicalAnd', tf.logicalAnd], ['logicalOr', tf.logicalOr]];

// Same shapes, scalars on either side, rows, columns, both-sided broadcasts, higher ranks and size-1 dims.
const shapes: ReadonlyArray<readonly [number[], number[]]> = [
  [[7], [7]], [[100, 78], []], [[], [5, 3]], [[5, 10, 78], [10, 78]], [[5, 10, 1], [5, 10, 78]], [[4, 1], [1, 6]],
  [[2, 3, 1, 5], [3, 4, 1]], [[1], [9]], [[3, 1, 1], [1, 1, 1]], [[6, 5], [6, 1]],
];

/** Values with repeats (so equalities happen), signed zeros, infinities and NaN. */
function values(size: number, seed: number): Float32Array {
  const specials = [0, -0, 1, -1, Infinity, -Infinity, NaN];
  return Float32Array.from(data(size, seed), (u, i) => (i % 11 === 0 ? specials[(i / 11) % specials.length]! : Math.round(u * 4) / 2));
}

function make(ops: ReadonlyArray<readonly [string, Op]>, dtype: 'float32' | 'bool'): Array<() => tf.Tensor> {
  return ops.flatMap(([, op]) => shapes.map(([sa, sb], i) => () => {
    const size = (s: readonly number[]): number => s.reduce((x, y) => x * y, 1);
    const a = tf.tensor(values(size(sa), i), sa);
    const b = tf.tensor(values(size(sb), i + 50), sb);
    return dtype === 'float32' ? op(a, b) : op(tf.greater(a, 0), tf.greater(b, 0));
  }));
}

/** Index of the first element that differs (Object.is: NaN equals NaN, 0 differs from -0), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

afterAll(restoreDefault);

describe.each<Backend>(['wasm', 'cpu'])('binary kernels and Select on %s', (backend) => {
  it.skipIf(!addon)(`native results equal the stock ones exactly, NaN and infinities included ${skipReason}`, async () => {
    for (const [ops, dtype] of [[arithmetic, 'float32'], [comparisons, 'float32'], [logical, 'bool']] as const) {
      const stock = await runCases(backend, 'stock', make(ops, dtype));
      const native = await runCases(backend, 'native', make(ops, dtype));
      ops.forEach(([name], o) => shapes.forEach(([sa, sb], i) => {
        const k = o * shapes.length + i;
        expect(firstDifference(native[k]!, stock[k]!), `${name} [${sa}] [${sb}]`).toBe(-1);
      }));
    }
  });

  it.skipIf(!addon)(`Select (tf.where) matches stock, also when tf.where broadcasts first ${skipReason}`, async () => {
    const cases = (): Array<() => tf.Tensor> => [
      () => tf.where(tf.greater(tf.tensor(data(60, 1), [3, 4, 5]), 0), tf.tensor(data(60, 2), [3, 4, 5]), tf.tensor(data(60, 3), [3, 4, 5])),
      () => tf.where(tf.greater(tf.tensor(data(20, 4), [4, 5]), 0), tf.tensor(data(60, 5), [3, 4, 5]), tf.scalar(-Infinity)),
    ];
    const stock = await runCases(backend, 'stock', cases());
    const native = await runCases(backend, 'native', cases());
    stock.forEach((s, i) => expect(firstDifference(native[i]!, s), `case ${i}`).toBe(-1));
  });

  it('leaves int32 arithmetic to the stock kernels', async () => {
    const make32 = (): Array<() => tf.Tensor> => [() => tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.scalar(4, 'int32')), () => tf.div(tf.tensor1d([7, 8], 'int32'), tf.scalar(2, 'int32'))];
    const stock = await runCases(backend, 'stock', make32());
    const native = addon ? await runCases(backend, 'native', make32()) : stock;
    stock.forEach((s, i) => expect(Array.from(native[i]!)).toEqual(Array.from(s)));
  });
});

describe('broadcast strides', () => {
  it('are 0 along broadcast and missing dims', () => {
    expect(Array.from(broadcastStrides([3, 1], [2, 3, 4]))).toEqual([0, 1, 0]);
    expect(Array.from(broadcastStrides([2, 3, 4], [2, 3, 4]))).toEqual([12, 4, 1]);
    expect(Array.from(broadcastStrides([], [5]))).toEqual([0]);
  });
});
