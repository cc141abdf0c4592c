import * as tf from '@tensorflow/tfjs';
import type { Baselines } from './baselines.js';
import type { Weighted } from './log-weights.js';

/**
 * Surrogate terms sum_s (signal - b_s) * log q(z_s) for guide sites without a reparameterised draw:
 * their gradient is the score-function estimate of d E[signal] / d phi. `signal` ([K, B] or [K]) is
 * per datapoint, so a local site is credited only with its own datapoint's cost (Rao-Blackwellisation
 * along the data plate). `centre` maps a site and its signal to the centred, detached signal.
 * Undefined when every guide site is reparameterised: no zero tensor, so no kernels (and no taped Add).
 */
export function scoreFunctionTerms(
  weighted: Weighted,
  signal: tf.Tensor,
  centre: (site: string, signal: tf.Tensor) => tf.Tensor,
): tf.Tensor | undefined {
  let terms: tf.Tensor | undefined;
  for (const site of weighted.scoreSites()) {
    const logQ = weighted.total('guide', undefined, (s) => s.name === site.name);
    const term = tf.mul(centre(site.name, signal), logQ);
    terms = terms ? tf.add(terms, term) : term;
  }
  return terms;
}

/** The same with `Baselines`. */
export function baselinedScoreTerms(weighted: Weighted, signal: tf.Tensor, baselines: Baselines): tf.Tensor | undefined {
  return scoreFunctionTerms(weighted, signal, (site, s) => baselines.centred(site, s));
}
