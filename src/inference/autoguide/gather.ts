import * as tf from '@tensorflow/tfjs';

/**
 * Differentiable index selection that runs on every backend. tf.gather's gradient needs the
 * UnsortedSegmentSum kernel, which the wasm backend lacks; these use a ScatterNd gradient (gather) or
 * constant selection matrices (small coordinate permutations).
 */

// The indices are an input of the op (saved for backprop), not a closure: the plate's indices are an
// intermediate of the guide run, disposed before backprop (tfjs tidies the forward pass).
const gatherRows = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, indices, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([indices]);
  const shape = x.shape;
  return {
    value: tf.gather(x, indices, 0),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const idx = saved[0]!;
      return [tf.scatterND(tf.reshape(idx, [idx.shape[0]!, 1]), dy, shape), tf.zeros(idx.shape)];
    },
  };
});

/** `tf.gather(x, indices, axis)` (distinct int32 indices) whose gradient scatters dy back with ScatterNd. */
export function gatherAlong(x: tf.Tensor, indices: tf.Tensor, axis: number): tf.Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[0] = axis;
  perm[axis] = 0;
  const front = axis === 0 ? x : tf.transpose(x, perm);
  const picked = gatherRows(front, indices);
  return axis === 0 ? picked : tf.transpose(picked, perm);
}

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
