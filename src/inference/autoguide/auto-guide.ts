import type * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { argsSignature } from '../program.js';
import { build, type Built } from './build.js';
import { checkOptions, type AutoGuideFamily, type AutoGuideOptions } from './options.js';
import { GuideRun } from './plates.js';
import type { LatentSite } from './site.js';

export type { AutoGuideFamily, AutoGuideOptions } from './options.js';

/** A summary of a site the guide covers (plain data). */
export interface AutoGuideSite {
  readonly name: string;
  readonly batchShape: readonly number[];
  readonly eventShape: readonly number[];
  readonly support: string;
  readonly plates: readonly string[];
  readonly discrete: boolean;
}

/** The guide program (same arguments as the model) and what it learnt about the model. */
export interface AutoGuide<A extends unknown[]> {
  (...args: A): void;
  readonly family: AutoGuideFamily;
  /** The latent sites found on the first call (undefined before it). */
  readonly sites: readonly AutoGuideSite[] | undefined;
  /**
   * Point estimates in each site's support, over each plate's full size: the MAP for `delta`, the
   * median for `normal` and `multivariateNormal` (scalar supports), the image of the base's centre for
   * `flow`; the most likely value of discrete sites. Amortised sites are left out. New tensors owned by
   * the caller; the guide must have run once.
   */
  median(): Record<string, tf.Tensor>;
}

const summary = (site: LatentSite): AutoGuideSite => ({
  name: site.name,
  batchShape: site.batchShape,
  eventShape: site.eventShape,
  support: site.support.describe(),
  plates: site.plates.map((p) => p.name),
  discrete: site.discrete !== undefined,
});

/**
 * An automatic guide for `model`: a program with the model's arguments that samples every latent
 * site of the model from a learnable family. On its first call it runs the model once on those
 * arguments (hidden from outer handlers, in a forked random scope) to find the latent sites, their
 * supports, shapes and plates, and where to start. Arguments of other shapes (new data for an
 * amortised guide, new inputs for predictions) are traced again for their plate sizes, keeping the
 * first call's sites. Works with every estimator.
 *
 * @example
 * const guide = autoGuide(model, { family: 'normal' });
 * const fit = svi(model, guide, { estimator: elbo({ particles: 4 }), optimizer: adam({ lr: 0.02 }) });
 * for (let i = 0; i < 1000; i++) fit.step(data);
 * guide.median().mu.print();
 */
export function autoGuide<A extends unknown[]>(model: (...args: A) => unknown, options: AutoGuideOptions<A>): AutoGuide<A> {
  if (typeof model !== 'function') fail('invalid-argument', 'autoGuide: the model must be a function (a program)', 'model');
  checkOptions(options);
  // One structure per argument shape (plates' sizes follow the data); the first call's is the reference.
  const structures = new Map<string, Built>();
  let first: Built | undefined;
  const guide = (...args: A): void => {
    const signature = argsSignature(args);
    let built = structures.get(signature);
    if (!built) {
      built = build(model, args, options, first);
      first ??= built;
      structures.set(signature, built);
    }
    built.guide.run(new GuideRun(args));
  };
  // defineProperty, not Object.assign: assign would copy the getter's current value (undefined).
  Object.defineProperty(guide, 'sites', { get: () => first?.sites.map(summary), enumerable: true });
  return Object.assign(guide as typeof guide & { readonly sites: readonly AutoGuideSite[] | undefined }, {
    family: options.family,
    median(): Record<string, tf.Tensor> {
      if (!first) fail('invalid-argument', 'autoGuide: median() needs the guide to have run once (e.g. one svi step)', 'median');
      return first.guide.median();
    },
  });
}
