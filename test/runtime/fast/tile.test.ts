import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { addon, data, restoreDefault, runCases, skipReason, type Backend } from './helpers.js';

const cases: ReadonlyArray<readonly [number[], number[]]> = [
  [[1], [5]], [[3], [1]], [[3], [4]], [[2, 3], [1, 1]], [[2, 3], [3, 1]], [[2, 3], [1, 4]], [[1, 1], [100, 784]],
  [[1, 100, 784], [5, 1, 1]], [[1, 1, 1], [5, 100, 784]], [[2, 1, 3, 1], [1, 4, 2, 3]], [[2, 3, 1, 2, 1], [2, 1, 3, 1, 2]], [[4, 5], [0, 2]],
];

function make(dtype: 'float32' | 'int32' | 'bool'): Array<() => tf.Tensor> {
  return cases.map(([shape, reps], i) => () => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = data(size, i);
    const x = dtype === 'float32' ? tf.tensor(values, shape) : dtype === 'int32' ? tf.tensor(Int32Array.from(values, (v) => Math.round(v * 1000)), shape, 'int32') : tf.tensor(Uint8Array.from(values, (v) => (v > 0 ? 1 : 0)), shape, 'bool');
    return tf.tile(x, reps);
  });
}

afterAll(restoreDefault);

describe.each<Backend>(['wasm', 'cpu'])('Tile on %s', (backend) => {
  it.skipIf(!addon)(`native results equal the stock ones exactly, for float32, int32 and bool ${skipReason}`, async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const stock = await runCases(backend, 'stock', make(dtype));
      const native = await runCases(backend, 'native', make(dtype));
      cases.forEach(([shape, reps], i) => {
        expect(Array.from(native[i]!), `${dtype} [${shape}] x [${reps}]`).toEqual(Array.from(stock[i]!));
      });
    }
  });
});
