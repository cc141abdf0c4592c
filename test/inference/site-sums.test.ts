import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { siteSum } from '../../src/inference/site-sums.js';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('siteSum: one taped op for sums of site tensors', () => {
  // Parts that broadcast against each other ([K, 1] against [K, B]), a term with nothing to sum, and
  // coefficients of every kind (+1, -1, 1 / scale), against tfjs's own gradients of the same sums.
  const shapes: number[][] = [[3, 4, 2], [3, 1], [3, 4], [1, 4, 5]];
  const axes = [[2], [], [], [2]] as const;
  const coefficients = [1, -1, 0.25, -2.5];
  const inputs = shapes.map((shape, i) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, j) => Math.sin(1 + i + 0.7 * j)), shape));
  const composite = (...ts: tf.Tensor[]): tf.Tensor =>
    ts.map((t, i) => tf.mul(axes[i]!.length ? tf.sum(t, [...axes[i]!]) : t, coefficients[i]!)).reduce((a, b) => tf.add(a, b));
  const fused = (...ts: tf.Tensor[]): tf.Tensor => siteSum(ts.map((tensor, i) => ({ tensor, axes: axes[i]!, coefficient: coefficients[i]! })));
  const weights = tf.tensor2d([[1, 2, 3, 4], [0.5, -1, 2, 1], [3, 0, -2, 1]]); // a non-uniform dy
  afterAll(() => tf.dispose([...inputs, weights]));

  it('gives the same value and the same gradient for every input', () => {
    const value = fused(...inputs);
    expect(value.shape).toEqual([3, 4]);
    values(composite(...inputs)).forEach((v, i) => expect(values(value)[i]).toBeCloseTo(v, 5));
    const want = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(composite(...ts), weights)))(inputs);
    const got = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(fused(...ts), weights)))(inputs);
    got.forEach((g, i) => {
      expect(g.shape).toEqual(inputs[i]!.shape);
      values(want[i]!).forEach((v, j) => expect(values(g)[j], `input ${i}, element ${j}`).toBeCloseTo(v, 5));
    });
  });

  it('hands every input a gradient of its own (backprop disposes one when it adds to it)', () => {
    // t1 and t2 get the same gradient (dy itself); t1's is then added to (u consumes it too): were it
    // the same tensor as t2's, t2's would be disposed before b's gradient reads it.
    const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const t2 = tf.mul(b, 5); // first, so that backprop reaches its producer last
      const t1 = tf.mul(a, 2);
      const u = tf.mul(t1, 3);
      const s = siteSum([
        { tensor: t1, axes: [], coefficient: 1 },
        { tensor: t2, axes: [], coefficient: 1 },
      ]);
      return tf.add(tf.sum(s), tf.sum(u));
    })([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])]);
    expect(values(ga!)).toEqual([8, 8]);
    expect(values(gb!)).toEqual([5, 5]);
  });

  it('returns a tensor of its own even for a lone term with nothing to sum', () => {
    const t = tf.tensor1d([1, 2]);
    const out = siteSum([{ tensor: t, axes: [], coefficient: 1 }]);
    expect(out).not.toBe(t);
    out.dispose();
    expect(values(t)).toEqual([1, 2]);
    t.dispose();
  });
});
