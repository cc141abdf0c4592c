import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../runtime/detach.js';

/** log((1/n) sum_i exp(x_i)) along `axis`, stable in float32. */
export function logMeanExp(x: tf.Tensor, axis = 0): tf.Tensor {
  return tf.sub(tf.logSumExp(x, axis), Math.log(x.shape[axis < 0 ? x.rank + axis : axis]!));
}

/** Self-normalised importance weights softmax(log w) along `axis`. */
export function normalisedWeights(logW: tf.Tensor, axis = 0): tf.Tensor {
  return tf.exp(tf.sub(logW, tf.logSumExp(logW, axis, true)));
}

/** log(exp(a) + exp(b)), stable, with -Infinity allowed in either argument. */
export function logAddExp(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const m = stopGradient(tf.maximum(a, b));
  const safe = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
  return tf.add(safe, tf.log(tf.add(tf.exp(tf.sub(a, safe)), tf.exp(tf.sub(b, safe)))));
}

/**
 * Cumulative log-sum-exp along axis 0: out[j] = log sum_{i <= j} exp(x[i]). A log-depth scan of
 * pairwise log-add-exps (Hillis-Steele), so no prefix underflows however far apart the terms are.
 */
export function logCumSumExp(x: tf.Tensor): tf.Tensor {
  const n = x.shape[0]!;
  let out = x;
  for (let shift = 1; shift < n; shift *= 2) {
    const pad = tf.fill([shift, ...x.shape.slice(1)], -Infinity);
    const shifted = tf.concat([pad, tf.slice(out, 0, n - shift)], 0);
    out = logAddExp(out, shifted);
  }
  return out;
}
