import * as tf from '@tensorflow/tfjs';

/**
 * Constant selection matrices (small coordinate permutations), differentiable on every backend.
 * Row gathers live in src/dsl/math/gather.ts.
 */

/** A constant [from, positions.length] matrix whose column j picks coordinate positions[j]. */
export function selection(from: number, positions: readonly number[]): tf.Tensor {
  const values = new Float32Array(from * positions.length);
  positions.forEach((p, j) => (values[p * positions.length + j] = 1));
  return tf.tensor2d(values, [from, positions.length]);
}

/** x [..., n] times a constant [n, m] matrix: [..., m]. */
export function applyMatrix(x: tf.Tensor, m: tf.Tensor): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  return tf.reshape(tf.matMul(tf.reshape(x, [-1, m.shape[0]!]), m), [...lead, m.shape[1]!]);
}
