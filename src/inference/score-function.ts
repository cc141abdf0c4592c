import * as tf from '@tensorflow/tfjs';
import type { Baselines } from './baselines.js';
import type { Weighted } from './log-weights.js';

/**
 * Surrogate terms sum_s (signal - b_s) * log q(z_s) for guide sites without a reparameterised draw:
 * their gradient is the score-function estimate of d E[signal] / d phi. `signal` ([K, B] or [K]) is
 * per datapoint, so a local site is credited only with its own datapoint's cost (Rao-Blackwellisation
 * along the data plate). `centre` maps a site and its signal to the centred, detached signal.
 */
export function scoreFunctionTerms(
  weighted: Weighted,
  signal: tf.Tensor,
  centre: (site: string, signal: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  return weighted.scoreSites().reduce<tf.Tensor>((acc, site) => {
    const logQ = weighted.total('guide', undefined, (s) => s.name === site.name);
    return tf.add(acc, tf.mul(centre(site.name, signal), logQ));
  }, tf.zerosLike(signal));
}

/** The same with `Baselines`. */
export function baselinedScoreTerms(weighted: Weighted, signal: tf.Tensor, baselines: Baselines): tf.Tensor {
  return scoreFunctionTerms(weighted, signal, (site, s) => baselines.centred(site, s));
}
