import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { reductionBlock } from '../../../src/runtime/fast/index.js';
import { addon, closeness, data, restoreDefault, runCases, skipReason, use, type Backend } from './helpers.js';

const cases: ReadonlyArray<readonly [number[], number | number[] | null, boolean]> = [
  [[7], 0, false], [[7], null, true], [[500, 784], 0, false], [[500, 784], 1, true], [[500, 784], -1, false],
  [[5, 100, 784], 2, false], [[5, 100, 784], [0], false], [[5, 100, 20], [1, 2], false], [[5, 100, 20], [0, 1], true],
  [[3, 4, 5, 6], [1, 2], false], [[3, 4, 5, 6], [0, 2], false], [[3, 4, 5, 6], null, false], [[1, 1, 9], [0, 1], false], [[4, 1000, 3], [1], true],
];

function make(): Array<() => tf.Tensor> {
  return cases.map(([shape, axis, keepDims], i) => () => {
    const x = tf.tensor(data(shape.reduce((a, b) => a * b, 1), i), shape);
    return tf.sum(x, axis ?? undefined, keepDims);
  });
}

afterAll(restoreDefault);

describe.each<Backend>(['wasm', 'cpu'])('Sum on %s', (backend) => {
  it.skipIf(!addon)(`native sums match the stock ones (shapes too) ${skipReason}`, async () => {
    const stock = await runCases(backend, 'stock', make());
    const native = await runCases(backend, 'native', make());
    cases.forEach(([shape, axis, keepDims], i) => {
      const label = `[${shape}] axis=${JSON.stringify(axis)} keepDims=${keepDims}`;
      expect(native[i]!.length, label).toBe(stock[i]!.length);
      // Sums of up to 392k values in [-1, 1): float32 accumulation differs by order only.
      expect(closeness(native[i]!, stock[i]!, 1e-4, 1e-3), label).toBeLessThanOrEqual(1);
    });
    const shapes = async (kernels: 'native' | 'stock'): Promise<number[][]> => {
      await use(backend, kernels);
      return cases.map(([shape, axis, keepDims]) => tf.tidy(() => tf.sum(tf.zeros(shape), axis ?? undefined, keepDims).shape));
    };
    expect(await shapes('native')).toEqual(await shapes('stock'));
  });
});

describe('reduction blocks', () => {
  it('views contiguous axes as [outer, reduce, inner] and leaves others to the stock kernel', () => {
    expect(reductionBlock([3, 4, 5, 6], [1, 2])).toEqual({ outer: 3, reduce: 20, inner: 6 });
    expect(reductionBlock([3, 4], [0])).toEqual({ outer: 1, reduce: 3, inner: 4 });
    expect(reductionBlock([3, 4, 5], [0, 2])).toBeUndefined();
    expect(reductionBlock([3], [])).toBeUndefined();
  });
});
