import * as tf from '@tensorflow/tfjs';

/**
 * Differentiable row selection on every backend. tf.gather's gradient needs the UnsortedSegmentSum
 * kernel, which the wasm backend lacks; this one scatters dy back with ScatterNd instead.
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

/**
 * `tf.gather(x, indices, axis)` for distinct int32 indices (such as a plate's subsample), with a
 * gradient that works on the wasm backend too. Use it to pick per-datapoint params in a subsampled plate.
 *
 * @example
 * plate('data', N, (idx) => { const loc = gather(param('locs', tf.zeros([N])), idx, 0); ... }, { subsample: 32 });
 */
export function gather(x: tf.Tensor, indices: tf.Tensor, axis: number): tf.Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[0] = axis;
  perm[axis] = 0;
  const front = axis === 0 ? x : tf.transpose(x, perm);
  const picked = gatherRows(front, indices);
  return axis === 0 ? picked : tf.transpose(picked, perm);
}

