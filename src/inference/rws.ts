import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../runtime/detach.js';
import { fail } from '../runtime/errors.js';
import { ascentLoss, fullData, type Estimator, type Surrogate } from './estimator.js';
import { requirePerDatapoint } from './log-weights.js';
import { detachedGuideLogProb, drawWeighted } from './program.js';
import { logMeanExp, normalisedWeights } from './logmeanexp.js';
import { checkOptions, type OptionSpecs } from './options.js';

export interface RwsOptions {
  /** Particles per datapoint. */
  readonly k: number;
  /**
   * Doubly reparameterised form (Tucker et al. 2019): sum_k (wbar_k - wbar_k^2) d log w_k / d z_k dz_k/dphi,
   * the same expectation as the score form with lower variance. Every guide site must be reparameterised.
   */
  readonly dreg?: boolean;
}

/** rws's options (k has no default here: the registry's is 5). */
export const RWS_OPTION_SPECS = {
  k: { kind: 'integer', min: 2 },
  dreg: { kind: 'boolean', default: false },
} as const satisfies OptionSpecs;

/**
 * Reweighted wake-sleep (Bornschein & Bengio 2015). Wake-theta is the IWAE-k gradient; wake-phi fits the
 * guide to the posterior in the inclusive direction, min KL(p(z | x) || q(z | x)), with the self-normalised
 * estimate -sum_k wbar_k d log q(z_k) / d phi (z fixed). Inclusive KL makes q cover the posterior: what a
 * proposal for importance sampling or ISIR needs, where IWAE's exclusive-leaning guide is too narrow.
 * Works with discrete guide sites (score form); biased for finite k like any self-normalised estimate.
 *
 * @example
 * svi(model, guide, { model: cisir({ k: 10, lag: 10 }), guide: rws({ k: 10, dreg: true }) });
 */
export function rws(options: RwsOptions): Estimator {
  checkOptions('rws', options, RWS_OPTION_SPECS);
  const k = (options as Partial<RwsOptions> | undefined)?.k;
  if (k === undefined || !Number.isInteger(k) || k < 2) fail('invalid-argument', `rws: k must be an integer >= 2 (k = 1 gives no reweighting), got ${k}`, 'k');
  const dreg = options?.dreg ?? RWS_OPTION_SPECS.dreg.default;
  return {
    name: dreg ? 'rws-dreg' : 'rws',
    sharedLoss: false,
    surrogate(problem, stream, role): Surrogate {
      // Score form: z is data to the gradient, only log q's parameters carry it.
      const weighted = drawWeighted(problem, k, stream, 0, { detachLatents: role === 'guide' && !dreg });
      requirePerDatapoint(weighted, 'rws');
      const logW = weighted.logWeights(); // [K, B] or [K]
      const bound = logMeanExp(logW, 0);
      const scale = weighted.dataScale;
      const objective = fullData(tf.sum(bound), scale);
      const loss = (value: tf.Tensor): tf.Scalar => ascentLoss(value, scale);
      const stats = { k };
      if (role !== 'guide') return { loss: loss(tf.sum(bound)), objective, cost: k, stats };

      const wbar = stopGradient(normalisedWeights(logW, 0));
      if (!dreg) return { loss: loss(tf.sum(tf.mul(wbar, weighted.total('guide')))), objective, cost: k, stats };

      const discrete = weighted.scoreSites().map((s) => s.name);
      if (discrete.length > 0) {
        fail('invalid-argument', `rws({ dreg: true }) needs reparameterised guide sites; '${discrete.join("', '")}' is not. Use rws({ k }) (score form)`, discrete[0]);
      }
      const logWDetachedQ = tf.sub(weighted.total('model'), detachedGuideLogProb(problem, weighted, stream));
      return { loss: loss(tf.sum(tf.mul(tf.sub(wbar, tf.square(wbar)), logWDetachedQ))), objective, cost: k, stats };
    },
  };
}
