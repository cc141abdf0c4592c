import * as tf from '@tensorflow/tfjs';
import { coefficients } from './debiased.js';
import { logMeanExp } from './logmeanexp.js';

/**
 * The multilevel terms of Shi & Cornish on 2^(top+l+1) draws (docs/estimators.md, "mlss and mlrr"):
 *   I_0 = L_{2^l},
 *   Delta_k = L_{2^(k+l+1)}(O u E) - (L_{2^(k+l)}(O) + L_{2^(k+l)}(E)) / 2,
 * where O and E are the two halves of a group of 2^(k+l+1) draws. A datapoint with level K uses the
 * first 2^(K+l+1) draws: its group at level k is the first one, or with `reuse` the average over all
 * 2^(K-k) disjoint groups of its draws (same expectation, lower variance, no extra cost).
 *
 * logW: [n, B]; returns I_0 [B] and Delta [top + 1, B] (level k's row holds each datapoint's Delta_k).
 */
export function multilevelTerms(
  logW: tf.Tensor,
  startLevel: number,
  levels: readonly number[],
  reuse: boolean,
): { base: tf.Tensor; increments: tf.Tensor } {
  const top = Math.max(...levels);
  const b = logW.shape[1]!;
  const l = startLevel;
  // Per level: which groups each datapoint averages over (the first only, or all of its own draws).
  const groupMean = (values: tf.Tensor, level: number): tf.Tensor => {
    const groups = values.shape[0]!;
    const mask = coefficients(groups, levels, (g, k) => (g < (reuse ? 2 ** Math.max(0, k - level) : 1) ? 1 : 0));
    return tf.div(tf.sum(tf.mul(values, mask), 0), tf.sum(mask, 0));
  };

  // I_0: groups of 2^l draws; with reuse a datapoint of level K has 2^(K+1) of them.
  const baseGroups = tf.reshape(tf.slice(logW, 0, 2 ** (top + l + 1)), [2 ** (top + 1), 2 ** l, b]);
  const base = groupMean(logMeanExp(baseGroups, 1), -1);

  const rows: tf.Tensor[] = [];
  for (let k = 0; k <= top; k++) {
    const size = 2 ** (k + l + 1);
    const groups = 2 ** (top - k);
    const grouped = tf.reshape(tf.slice(logW, 0, groups * size), [groups, size, b]);
    const whole = logMeanExp(grouped, 1); // [groups, B]
    const halves = logMeanExp(tf.reshape(grouped, [groups, 2, size / 2, b]), 2); // [groups, 2, B]
    const delta = tf.sub(whole, tf.mean(halves, 1));
    rows.push(groupMean(delta, k));
  }
  return { base, increments: tf.stack(rows) };
}
