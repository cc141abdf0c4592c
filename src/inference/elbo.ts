import * as tf from '@tensorflow/tfjs';
import { Baselines } from './baselines.js';
import { ascentLoss, fullData, type Estimator, type Surrogate } from './estimator.js';
import { normalKL } from './kl.js';
import type { Weighted } from './log-weights.js';
import { drawWeighted } from './program.js';
import { checkOptions, type OptionSpecs } from './options.js';
import { baselinedScoreTerms } from './score-function.js';

export interface ElboOptions {
  /** Particles averaged per step (default 1). */
  readonly particles?: number;
  /** Replace log p(z) - log q(z) by -KL(q || p) in closed form for normal/normal site pairs. */
  readonly analyticKL?: boolean;
}

/** elbo's options: their ranges and defaults (the factory and the estimator registry read them). */
export const ELBO_OPTION_SPECS = {
  particles: { kind: 'integer', min: 1, default: 1 },
  analyticKL: { kind: 'boolean', default: false },
} as const satisfies OptionSpecs;

/** log w with the closed-form KL wherever a latent's guide and prior are both normal. */
function analyticLogWeights(weighted: Weighted): tf.Tensor {
  const kl = (name: string, run: Weighted['runs'][number]) => {
    const g = run.guide.get(name);
    const m = run.model.get(name);
    return g?.type === 'sample' && m?.type === 'sample' && !m.observed ? normalKL(g, m) : undefined;
  };
  const model = weighted.total('model', (site, run) => {
    if (site.observed) return undefined;
    const d = kl(site.name, run);
    return d ? tf.neg(d) : undefined;
  });
  const guide = weighted.total('guide', (site, run) => (kl(site.name, run) ? tf.zerosLike(site.logProb) : undefined));
  return tf.sub(model, guide);
}

/**
 * The evidence lower bound E_q[log p(x, z) - log q(z | x)]. Reparameterised guide sites give pathwise
 * gradients; the others get score-function terms with baselines (leave-one-out across particles, or a
 * running average), credited per datapoint along the data plate.
 *
 * @example
 * const fit = svi(model, guide, { estimator: elbo({ particles: 4 }) });
 */
export function elbo(options: ElboOptions = {}): Estimator {
  checkOptions('elbo', options, ELBO_OPTION_SPECS);
  const k = options.particles ?? ELBO_OPTION_SPECS.particles.default;
  const baselines = new Baselines();
  return {
    name: 'elbo',
    sharedLoss: true,
    surrogate(problem, stream): Surrogate {
      const weighted = drawWeighted(problem, k, stream);
      const logW = options.analyticKL ? analyticLogWeights(weighted) : weighted.logWeights();
      const scale = weighted.dataScale;
      const score = baselinedScoreTerms(weighted, logW, baselines);
      // mean over particles, sum over datapoints (then times N / B)
      const perParticle = (t: tf.Tensor): tf.Tensor => (k === 1 ? tf.sum(t) : tf.div(tf.sum(t), k));
      const estimate = perParticle(logW);
      return {
        // Without score-function terms the surrogate is the estimate itself: one sum, not two.
        loss: ascentLoss(score ? perParticle(tf.add(logW, score)) : estimate, scale),
        objective: fullData(estimate, scale),
        cost: k,
        stats: { particles: k },
      };
    },
  };
}
