import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { zeroOutputMlp } from '../../../src/inference/index.js';
import { clearParamStore, getParamStore, seed } from '../../../src/index.js';

afterEach(() => clearParamStore());

describe('zeroOutputMlp', () => {
  it('starts as the constant outputBias for any input, keeps leading batch dims, and names its params by layer', () => {
    const net = zeroOutputMlp('shift', [2, 8, 3], Float32Array.from([0.5, -1, 2]));
    const x = tf.reshape(tf.linspace(-3, 3, 40), [4, 5, 2]);
    const y = seed(() => net(x), 1)();
    expect(y.shape).toEqual([4, 5, 3]);
    const rows = (y.arraySync() as number[][][]).flat();
    for (const row of rows) expect(row).toEqual([0.5, -1, 2]);
    expect(getParamStore().names().sort()).toEqual(['shift.0.bias', 'shift.0.weight', 'shift.1.bias', 'shift.1.weight']);
    // Once the last layer's weights move, the output depends on the input.
    getParamStore().variable('shift.1.weight').assign(tf.onesLike(getParamStore().variable('shift.1.weight')));
    const moved = (net(x).arraySync() as number[][][]).flat();
    expect(new Set(moved.map((r) => r[0]!.toFixed(4))).size).toBeGreaterThan(1);
  });
});
