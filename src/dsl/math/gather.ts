import * as tf from '@tensorflow/tfjs';

/**
 * Gather along dim 0. Both inputs are saved for the gradient: tfjs disposes a forward pass's
 * intermediates before backprop, and the indices are often one (a cast).
 */
const gatherFront = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  const indices = args[1] as tf.Tensor;
  (args[2] as tf.GradSaveFunc)([x, indices]);
  return {
    value: tf.gather(x, indices, 0),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [t, idx] = saved as [tf.Tensor, tf.Tensor];
      return [tf.scatterND(tf.reshape(idx, [-1, 1]), tf.reshape(dy, [-1, ...t.shape.slice(1)]), t.shape), tf.zerosLike(idx)];
    },
  };
}) as (x: tf.Tensor, indices: tf.Tensor) => tf.Tensor;

/**
 * `tf.gather(x, indices, axis)` whose gradient runs on every backend: tfjs's own gradient needs the
 * UnsortedSegmentSum kernel, which the wasm backend lacks, so dy is scattered back with ScatterNd
 * (which sums repeated indices, as a gather's gradient must). `indices` may have any shape.
 *
 * @example
 * const rows = gather(locs, c, 0); // locs [K, D], c [B] -> [B, D], differentiable in locs
 */
export function gather(x: tf.Tensor, indices: tf.Tensor, axis: number): tf.Tensor {
  const int = indices.dtype === 'int32' ? indices : tf.cast(indices, 'int32');
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[0] = axis;
  perm[axis] = 0;
  const front = axis === 0 ? x : tf.transpose(x, perm);
  const picked = gatherFront(front, int);
  if (axis === 0) return picked;
  // picked is [...indices.shape, x's other dims with `axis`'s partner first]: move the index dims back.
  const k = int.rank;
  const rest = x.rank - 1;
  const order: number[] = [];
  const other = Array.from({ length: rest }, (_, i) => k + i); // dims after the index dims, in front's order
  // front's order after dim 0 is x's dims 1..rank-1 with `axis` replaced by dim 0 of x.
  const frontDims = perm.slice(1);
  for (let d = 0; d < x.rank; d++) {
    if (d === axis) order.push(...Array.from({ length: k }, (_, i) => i));
    else order.push(other[frontDims.indexOf(d)]!);
  }
  return tf.transpose(picked, order);
}
