import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import { coefficients, DEBIASED_OPTION_SPECS, debiased, type DebiasedEstimator, type DebiasedOptions } from './debiased.js';
import { multilevelTerms } from './multilevel-increments.js';
import { checkOptions, type OptionSpecs } from './options.js';
import { geometricLaw, type TruncationLaw } from './truncation.js';

/**
 * The multilevel estimators of Shi & Cornish (2021): I_0 + sum_k c(k, K) Delta_k with K ~ Geometric(r).
 * ML-SS (mlss.ts) and ML-RR (mlrr.ts) are this with different coefficients c.
 */

export interface MultilevelOptions extends DebiasedOptions {
  /** Geometric law parameter: P(K = k) = r (1 - r)^k. Finite cost needs r > 1/2 (default 0.6). */
  readonly r?: number;
  /** Start level l: the base term uses 2^l draws (default 0). */
  readonly level?: number;
  /** Cap on K: the estimator is then unbiased for IWAE with 2^(maxLevel+level+1) draws, not log p(x). */
  readonly maxLevel?: number;
  /** Average each term over all disjoint groups of the drawn samples (default true). */
  readonly reuse?: boolean;
}

/** The multilevel estimators' own options (the debiased ones are DEBIASED_OPTION_SPECS). */
export const MULTILEVEL_OPTION_SPECS = {
  r: { kind: 'number', above: 0, below: 1, default: 0.6 },
  level: { kind: 'integer', min: 0, max: 20, default: 0 },
  maxLevel: { kind: 'integer', min: 0, max: 30 },
  reuse: { kind: 'boolean', default: true },
} as const satisfies OptionSpecs;

/**
 * I_0 + sum_k c(k, K) Delta_k for the multilevel terms of `multilevelTerms`, with K ~ Geometric(r):
 * the single-sample and Russian-roulette estimators differ only in the coefficients c.
 */
export function multilevel(
  name: string,
  options: MultilevelOptions,
  coefficient: (law: TruncationLaw, k: number, level: number) => number,
): DebiasedEstimator {
  checkOptions(name, options, { ...MULTILEVEL_OPTION_SPECS, ...DEBIASED_OPTION_SPECS });
  const l = options.level ?? MULTILEVEL_OPTION_SPECS.level.default;
  if (options.r !== undefined && options.r <= 0.5 && options.maxLevel === undefined) {
    // E[cost] = sum_k r (1 - r)^k 2^(k + l + 1) diverges unless 2 (1 - r) < 1.
    fail(
      'invalid-argument',
      `${name}: r = ${options.r} gives an infinite expected cost (E[2^K] is finite only for r > 1/2). ` +
        `Use r in (0.5, 1), e.g. r = 0.6, or cap the level with maxLevel (the estimator then targets a finite IWAE bound).`,
      'r',
    );
  }
  const law = geometricLaw(options.r ?? MULTILEVEL_OPTION_SPECS.r.default, options.maxLevel);
  return debiased(
    {
      name,
      law,
      target: options.maxLevel === undefined ? 'log p(x)' : `IWAE with ${2 ** (options.maxLevel + l + 1)} draws`,
      drawsFor: (level) => 2 ** (level + l + 1),
      combine(logW, levels) {
        const { base, increments } = multilevelTerms(logW, l, levels, options.reuse ?? MULTILEVEL_OPTION_SPECS.reuse.default);
        const weights = coefficients(increments.shape[0]!, levels, (k, level) => coefficient(law, k, level));
        return tf.add(base, tf.sum(tf.mul(increments, weights), 0));
      },
    },
    options,
  );
}

