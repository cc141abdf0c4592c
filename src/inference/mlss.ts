import type { DebiasedEstimator } from './debiased.js';
import { multilevel, type MultilevelOptions } from './multilevel.js';

export type { MultilevelOptions };

/**
 * ML-SS, single-sample multilevel Monte Carlo (Shi & Cornish 2021): I_0 + Delta_K / P(K = K), with
 * K ~ Geometric(r) and the antithetic increments of `multilevelTerms`. Unbiased for log p(x); cost and
 * variance finite for r in (1/2, 1 - 2^-(1+a)).
 *
 * @example
 * const fit = svi(model, guide, { model: mlss({ r: 0.6 }), guide: iwae({ k: 5 }) });
 */
export function mlss(options: MultilevelOptions = {}): DebiasedEstimator {
  return multilevel('mlss', options, (law, k, level) => (k === level ? 1 / law.mass(k) : 0));
}
