import * as tf from '@tensorflow/tfjs';

/** log((1/n) sum_i exp(x_i)) along `axis`, stable in float32. */
export function logMeanExp(x: tf.Tensor, axis = 0): tf.Tensor {
  return tf.sub(tf.logSumExp(x, axis), Math.log(x.shape[axis < 0 ? x.rank + axis : axis]!));
}

/** Self-normalised importance weights softmax(log w) along `axis`. */
export function normalisedWeights(logW: tf.Tensor, axis = 0): tf.Tensor {
  return tf.exp(tf.sub(logW, tf.logSumExp(logW, axis, true)));
}
