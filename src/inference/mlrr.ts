import * as tf from '@tensorflow/tfjs';
import { coefficients, debiased, type DebiasedEstimator } from './debiased.js';
import { multilevelScheme, type MultilevelOptions } from './mlss.js';
import { multilevelTerms } from './multilevel-increments.js';

/**
 * ML-RR, Russian-roulette multilevel Monte Carlo (Shi & Cornish 2021):
 *   I_0 + sum_{k=0}^{K} Delta_k / P(K >= k),   K ~ Geometric(r), P(K >= k) = (1 - r)^k.
 * Unbiased for log p(x) (or for the capped bound with maxLevel); the theta-gradient is its gradient.
 *
 * @example
 * const fit = svi(model, guide, { model: mlrr({ r: 0.6 }), guide: iwae({ k: 5 }) });
 */
export function mlrr(options: MultilevelOptions = {}): DebiasedEstimator {
  const { l, law, target, drawsFor } = multilevelScheme(options);
  return debiased(
    {
      name: 'mlrr',
      law,
      target,
      drawsFor,
      combine(logW, levels) {
        const { base, increments } = multilevelTerms(logW, l, levels, options.reuse ?? true);
        const weights = coefficients(increments.shape[0]!, levels, (k, level) => (k <= level ? 1 / law.tail(k) : 0));
        return tf.add(base, tf.sum(tf.mul(increments, weights), 0));
      },
    },
    options,
  );
}
