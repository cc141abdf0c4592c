import * as tf from '@tensorflow/tfjs';
import type { RandomSource } from '../../runtime/rng.js';

/**
 * log of standard Gamma(alpha, 1) draws as tensor ops, with no host loop (Marsaglia & Tsang 2000).
 * Each element gets CANDIDATES (normal, uniform) pairs on a trailing dim, and keeps its first accepted
 * candidate. Acceptance is at least 0.95 per candidate for alpha >= 1, so all CANDIDATES rejecting has
 * probability below 0.05^12 < 1e-15 (< 1e-12 as promised); then the element falls back to d = alpha - 1/3,
 * near the mode. alpha < 1 uses the boost Gamma(alpha) = Gamma(alpha + 1) * U^(1/alpha), done in log
 * space so that tiny alphas (whose draws underflow float32) still give usable logs for beta/Dirichlet.
 *
 * Draw shapes: normal [...shape, CANDIDATES], uniform [...shape, CANDIDATES], uniform [...shape], in that
 * order, so the leading (particle) dim stays first. No gradients: call it from an untaped sampler.
 */
export const CANDIDATES = 12;

export function logStandardGamma(alpha: tf.Tensor, shape: readonly number[], rng: RandomSource): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.broadcastTo(alpha, [...shape]);
    const boost = tf.less(a, 1);
    const shifted = tf.where(boost, tf.add(a, 1), a);
    const d = tf.sub(shifted, 1 / 3);
    const c = tf.rsqrt(tf.mul(d, 9));
    const x = rng.normal([...shape, CANDIDATES]);
    const u = rng.uniform([...shape, CANDIDATES]);
    const boostU = rng.uniform(shape);

    const last = shape.length;
    const dE = tf.expandDims(d, last);
    const t = tf.add(1, tf.mul(tf.expandDims(c, last), x));
    const positive = tf.greater(t, 0);
    const logT = tf.log(tf.where(positive, t, tf.onesLike(t)));
    const logV = tf.mul(logT, 3);
    // Accept iff log u < x^2/2 + d - d v + d log v  (and v > 0)
    const bound = tf.add(tf.add(tf.mul(tf.square(x), 0.5), dE), tf.mul(dE, tf.sub(logV, tf.exp(logV))));
    const accept = tf.logicalAnd(positive, tf.less(tf.log(u), bound));
    const acceptF = tf.cast(accept, 'float32');
    const before = tf.cumsum(acceptF, last, true);
    const first = tf.mul(acceptF, tf.cast(tf.equal(before, 0), 'float32'));
    const logD = tf.log(d);
    const candidates = tf.where(accept, tf.add(tf.expandDims(logD, last), logV), tf.zerosLike(logV));
    const found = tf.sum(first, last);
    const chosen = tf.add(tf.sum(tf.mul(first, candidates), last), tf.mul(tf.sub(1, found), logD));
    const boostTerm = tf.where(boost, tf.div(tf.log(boostU), a), tf.zerosLike(a));
    return tf.add(chosen, boostTerm);
  });
}

/** The smallest normal float32: draws are clamped to it so that log densities stay finite. */
export const TINY = 1.1754943508222875e-38;
