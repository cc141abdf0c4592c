import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gather } from '../../../src/dsl/math/gather.js';

describe('gather', () => {
  it('selects like tf.gather and has a gradient on the wasm backend', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const idx = tf.tensor1d([2, 0], 'int32');
    expect(gather(x, idx, 0).arraySync()).toEqual(tf.gather(x, idx, 0).arraySync());
    expect(gather(x, tf.tensor1d([1], 'int32'), 1).arraySync()).toEqual([[2], [4], [6], [8]]);
    const weights = tf.tensor2d([[1, 10], [100, 1000]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gather(v, idx, 0), weights)))(x);
    // rows 2 and 0 receive the weights; the others nothing
    expect(g.arraySync()).toEqual([[100, 1000], [0, 0], [1, 10], [0, 0]]);
  });
});
