import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import type { DebiasedEstimator } from './debiased.js';
import { fullData, type Estimator, type StepStructure, type Surrogate } from './estimator.js';

/**
 * Guide objectives for the debiased estimators, whose expectation does not depend on phi. (The default,
 * used when none is given, is IWAE-5 on fresh draws.)
 */

function debiasedInner(name: string, inner: unknown): void {
  if (inner === null || typeof inner !== 'object' || typeof (inner as { estimate?: unknown }).estimate !== 'function') {
    fail('invalid-argument', `${name} takes a debiased estimator, e.g. ${name}(mlrr({ r: 0.6 })) or ${name}(sumo()), got ${inner === null || typeof inner !== 'object' ? String(inner) : `'${(inner as { name?: string }).name ?? 'an object'}'`}`, 'inner');
  }
}

function maxRows(name: string, given: number | undefined): number {
  const rows = given ?? GUIDE_OBJECTIVE_MAX_ROWS;
  if (!Number.isInteger(rows) || rows < 1) fail('invalid-argument', `${name}: maxRows must be an integer >= 1, got ${String(given)}`, 'maxRows');
  return rows;
}

function guideOnly(name: string, role: string): void {
  if (role !== 'guide') fail('invalid-argument', `${name} is a guide objective: use it as { guide: ${name}(...) }`);
}

/**
 * Rows (draws x datapoints) a guide objective may hold on the tape by default: the wasm backend ran out of
 * memory on figure-eight (3 x 50 MLPs, batch 100) at K ~ 12, about 800,000 rows; this is 1/6 of that.
 */
export const GUIDE_OBJECTIVE_MAX_ROWS = 2 ** 17;

/**
 * Minimise the second moment E[estimate^2] over phi (SUMO's choice): since E[estimate] = log p(x) does
 * not depend on phi, this minimises the estimator's variance. Needs reparameterised guide sites. Its
 * gradients are heavy-tailed (they carry the estimate squared): use small steps and clipping (on the
 * linear Gaussian model lr 0.02 lowers the variance, lr 0.05 makes it diverge). Unlike the model's
 * gradient, a second moment cannot be accumulated in chunks: every draw of the level K drawn is on the
 * tape at once: a step whose level needs more than `maxRows` (default 2^17) draws times datapoints is
 * refused with an error rather than left to exhaust the backend's memory. Over long runs cap the inner
 * estimator's level (`mlss({ r, maxLevel: 8 })`; the guide's objective needs no unbiasedness).
 *
 * @example
 * svi(model, guide, { model: sumo(), guide: varianceObjective(sumo()) });
 */
export function varianceObjective(inner: DebiasedEstimator, options: { readonly maxRows?: number } = {}): Estimator {
  debiasedInner('varianceObjective', inner);
  const tapeLimit = { rows: maxRows('varianceObjective', options.maxRows), by: `varianceObjective(${inner.name})` };
  return {
    name: `variance(${inner.name})`,
    sharedLoss: false,
    // The level drawn on the host is the inner estimator's (the same stream): a compiled step keys on it.
    structure: (problem, stream) => prefixed('variance', inner.structure?.(problem, stream, 'model')),
    surrogate(problem, stream, role): Surrogate {
      guideOnly('varianceObjective', role);
      const e = inner.estimate(problem, stream, { tapeLimit });
      const objective = fullData(tf.sum(e.perDatapoint), e.scale);
      return {
        loss: fullData(tf.sum(tf.square(e.perDatapoint)), e.scale),
        objective,
        cost: e.stats['draws']!,
        stats: e.stats,
      };
    },
  };
}

/**
 * "Unbiased reweighted wake-sleep": the debiased estimator evaluated with the draws z detached. Its
 * phi-gradient is -sum_k wbar_k d log q(z_k) / d phi debiased across levels, an unbiased estimate of
 * d KL(p(z | x) || q(z | x)) / d phi, so minimising it fits q to the posterior (inclusive KL). Every
 * draw is on the tape at once, so it refuses levels beyond `maxRows` as `varianceObjective` does.
 *
 * @example
 * svi(model, guide, { model: mlrr({ r: 0.6 }), guide: unbiasedRWS(mlrr({ r: 0.6 })) });
 */
export function unbiasedRWS(inner: DebiasedEstimator, options: { readonly maxRows?: number } = {}): Estimator {
  debiasedInner('unbiasedRWS', inner);
  const tapeLimit = { rows: maxRows('unbiasedRWS', options.maxRows), by: `unbiasedRWS(${inner.name})` };
  return {
    name: `rws(${inner.name})`,
    sharedLoss: false,
    structure: (problem, stream) => prefixed('rws', inner.structure?.(problem, stream, 'model')),
    surrogate(problem, stream, role): Surrogate {
      guideOnly('unbiasedRWS', role);
      const e = inner.estimate(problem, stream, { detachLatents: true, tapeLimit });
      const objective = fullData(tf.sum(e.perDatapoint), e.scale);
      // loss = +estimate: its phi-gradient (z fixed) is the gradient of the inclusive KL.
      return { loss: objective, objective, cost: e.stats['draws']!, stats: e.stats };
    },
  };
}

function prefixed(prefix: string, structure: StepStructure | undefined): StepStructure | undefined {
  return structure && { key: `${prefix} ${structure.key}`, streams: structure.streams };
}
