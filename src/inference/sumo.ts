import * as tf from '@tensorflow/tfjs';
import { coefficients, DEBIASED_OPTION_SPECS, debiased, type DebiasedEstimator, type DebiasedOptions } from './debiased.js';
import { logCumSumExp } from './logmeanexp.js';
import { checkOptions, type OptionSpecs } from './options.js';
import { sumoLaw } from './truncation.js';

export interface SumoOptions extends DebiasedOptions {
  /** Draws in the base IWAE term (default 1). */
  readonly m?: number;
  /** Where the tail of K turns geometric (default 80). */
  readonly alpha?: number;
}

/** sumo's own options (the debiased ones are DEBIASED_OPTION_SPECS). */
export const SUMO_OPTION_SPECS = {
  m: { kind: 'integer', min: 1, default: 1 },
  alpha: { kind: 'integer', min: 2, default: 80 },
} as const satisfies OptionSpecs;

/**
 * SUMO (Luo et al. 2020): an unbiased estimate of log p(x) by Russian roulette over IWAE increments on
 * nested prefixes of one sample sequence,
 *   SUMO_m = IWAE_m + sum_{j=0}^{K} (IWAE_{m+j+1} - IWAE_{m+j}) / P(K >= j),
 * with m + K + 1 draws. Unbiased; its variance need not be finite.
 *
 * @example
 * const fit = svi(model, guide, { model: sumo({ m: 1 }), guide: iwae({ k: 5 }) });
 */
export function sumo(options: SumoOptions = {}): DebiasedEstimator {
  checkOptions('sumo', options, { ...SUMO_OPTION_SPECS, ...DEBIASED_OPTION_SPECS });
  const m = options.m ?? SUMO_OPTION_SPECS.m.default;
  const law = sumoLaw(options.alpha ?? SUMO_OPTION_SPECS.alpha.default);
  return debiased(
    {
      name: 'sumo',
      law,
      target: 'log p(x)',
      drawsFor: (level) => m + level + 1,
      combine(logW, levels) {
        const top = Math.max(...levels);
        const n = m + top + 1;
        // IWAE_j = log (1/j) sum_{i<=j} w_i for j = m .. m + top + 1
        const prefix = tf.slice(logCumSumExp(tf.slice(logW, 0, n)), m - 1, top + 2);
        const sizes = tf.reshape(tf.log(tf.range(m, n + 1)), [top + 2, 1]);
        const iwaes = tf.sub(prefix, sizes); // [top + 2, B]
        const increments = tf.sub(tf.slice(iwaes, 1, top + 1), tf.slice(iwaes, 0, top + 1)); // Delta_j, j = 0..top
        const weights = coefficients(top + 1, levels, (j, k) => (j <= k ? 1 / law.tail(j) : 0));
        return tf.add(tf.squeeze(tf.slice(iwaes, 0, 1), [0]), tf.sum(tf.mul(increments, weights), 0));
      },
    },
    options,
  );
}
