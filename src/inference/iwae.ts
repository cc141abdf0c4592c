import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../runtime/detach.js';
import { fail } from '../runtime/errors.js';
import { Baselines } from './baselines.js';
import { ascentLoss, fullData, type Estimator, type Surrogate } from './estimator.js';
import { requirePerDatapoint } from './log-weights.js';
import { detachedGuideLogProb, drawWeighted } from './program.js';
import { logMeanExp, normalisedWeights } from './logmeanexp.js';
import { checkOptions, type OptionSpecs } from './options.js';
import { scoreFunctionTerms } from './score-function.js';

export interface IwaeOptions {
  /** Particles per datapoint (k = 1 is the ELBO). */
  readonly k: number;
  /**
   * Doubly reparameterised guide gradient (Tucker et al. 2019): sum_k wbar_k^2 d log w_k / d z_k dz_k/dphi.
   * Same expectation as the plain IWAE guide gradient, lower variance; guide sites must be reparameterised
   * (score-function sites keep their VIMCO terms).
   */
  readonly dreg?: boolean;
}

/** iwae's options (k has no default here: the registry's is 5). */
export const IWAE_OPTION_SPECS = {
  k: { kind: 'integer', min: 1 },
  dreg: { kind: 'boolean', default: false },
} as const satisfies OptionSpecs;

/**
 * VIMCO's per-particle baselines (Mnih & Rezende 2016): L with particle k's log-weight replaced by the
 * mean of the others'. Independent of particle k's draw, so the score-function term stays unbiased.
 */
export function leaveOneOutBaselines(logW: tf.Tensor): tf.Tensor {
  const k = logW.shape[0]!;
  const others = tf.div(tf.sub(tf.sum(logW, 0, true), logW), k - 1); // [K, ...]
  // rows: which particle is replaced; columns: the K log-weights with that one swapped out.
  const rows = tf.tile(tf.expandDims(logW, 0), [k, ...new Array<number>(logW.rank).fill(1)]);
  const eye = tf.reshape(tf.cast(tf.eye(k), 'bool'), [k, k, ...new Array<number>(logW.rank - 1).fill(1)]);
  const replaced = tf.where(tf.broadcastTo(eye, rows.shape), tf.broadcastTo(tf.expandDims(others, 1), rows.shape), rows);
  return logMeanExp(replaced, 1);
}

/**
 * The importance-weighted bound L_k = log (1/k) sum_i w_i (Burda et al. 2016): tighter than the ELBO,
 * biased for log p(x) by O(1/k).
 *
 * @example
 * const fit = svi(model, guide, { estimator: iwae({ k: 5, dreg: true }) });
 */
export function iwae(options: IwaeOptions): Estimator {
  checkOptions('iwae', options, IWAE_OPTION_SPECS);
  // Untyped callers may pass nothing at all.
  const k = (options as Partial<IwaeOptions> | undefined)?.k;
  if (k === undefined) fail('invalid-argument', 'iwae: option k (particles per datapoint) is required, e.g. iwae({ k: 5 })', 'k');
  const dreg = options?.dreg ?? IWAE_OPTION_SPECS.dreg.default;
  const baselines = new Baselines();
  return {
    name: dreg ? 'iwae-dreg' : 'iwae',
    sharedLoss: !dreg,
    surrogate(problem, stream, role): Surrogate {
      const weighted = drawWeighted(problem, k, stream);
      requirePerDatapoint(weighted, 'iwae');
      const logW = weighted.logWeights(); // [K, B] or [K]
      const bound = logMeanExp(logW, 0); // [B] or []
      const scale = weighted.dataScale;
      const boundSum = tf.sum(bound);
      const objective = fullData(boundSum, scale);

      // Score-function terms for discrete guide sites: (L - b_k) * log q(z_k).
      const centre = (site: string, signal: tf.Tensor): tf.Tensor =>
        k > 1 ? stopGradient(tf.sub(signal, leaveOneOutBaselines(logW))) : baselines.centred(site, signal);
      const score =
        weighted.scoreSites().length > 0 ? scoreFunctionTerms(weighted, tf.broadcastTo(tf.expandDims(bound, 0), logW.shape), centre) : undefined;
      const withScore = (t: tf.Tensor): tf.Tensor => (score ? tf.add(t, tf.sum(score)) : t);

      let guideTerm: tf.Tensor = withScore(boundSum);
      if (dreg && role !== 'model') {
        const logWDetachedQ = tf.sub(weighted.total('model'), detachedGuideLogProb(problem, weighted, stream));
        const wbar = stopGradient(normalisedWeights(logW, 0));
        guideTerm = withScore(tf.sum(tf.mul(tf.square(wbar), logWDetachedQ)));
      }
      const value = role === 'model' ? boundSum : guideTerm;
      return {
        loss: ascentLoss(value, scale),
        objective,
        cost: k,
        stats: { k },
      };
    },
  };
}
