import type { DebiasedEstimator } from './debiased.js';
import { multilevel, type MultilevelOptions } from './multilevel.js';

/**
 * ML-RR, Russian-roulette multilevel Monte Carlo (Shi & Cornish 2021):
 *   I_0 + sum_{k=0}^{K} Delta_k / P(K >= k),   K ~ Geometric(r), P(K >= k) = (1 - r)^k.
 * Unbiased for log p(x) (or for the capped bound with maxLevel); the theta-gradient is its gradient.
 *
 * @example
 * const fit = svi(model, guide, { model: mlrr({ r: 0.6 }), guide: iwae({ k: 5 }) });
 */
export function mlrr(options: MultilevelOptions = {}): DebiasedEstimator {
  return multilevel('mlrr', options, (law, k, level) => (k <= level ? 1 / law.tail(k) : 0));
}
