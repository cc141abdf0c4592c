import type * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { Amortizer, type Amortize } from './amortize.js';
import { deltaHead } from './delta.js';
import { discreteHead } from './discrete.js';
import type { FamilyGuide } from './family.js';
import { flowLaw } from './flow.js';
import type { Head } from './head.js';
import { jointGuide } from './joint.js';
import { meanFieldGuide, type GuidedSite } from './mean-field.js';
import { multivariateNormalLaw } from './multivariate-normal.js';
import { normalHead } from './normal.js';
import type { AutoGuideFamily, AutoGuideOptions } from './options.js';
import { tracePrototype } from './prototype.js';
import { isSubsampled, type LatentSite } from './site.js';

/** Continuous supports the unconstrained families cannot parameterise. */
function checkSupport(site: LatentSite, family: AutoGuideFamily): void {
  if (site.discrete || family === 'delta') return;
  if (site.support.name === 'lowerCholesky') {
    fail(
      'unsupported-model',
      `autoGuide({ family: '${family}' }): site '${site.name}' has support ${site.support.describe()}, whose ` +
        `unconstrained form has more coordinates than free entries; use family 'delta' or write the guide by hand`,
      site.name,
    );
  }
}

function checkJoint(site: LatentSite, family: AutoGuideFamily): void {
  if (site.discrete) {
    fail(
      'unsupported-model',
      `autoGuide({ family: '${family}' }): site '${site.name}' is discrete (${site.support.describe()}); this family ` +
        `models all latents jointly in real space and cannot represent it. Use family 'normal' or 'delta' (which give ` +
        `discrete sites a learnable Bernoulli/categorical guide), or marginalise the site out`,
      site.name,
    );
  }
  if (isSubsampled(site)) {
    const p = site.plates.find((f) => f.subsampleSize < f.size)!;
    fail(
      'unsupported-model',
      `autoGuide({ family: '${family}' }): site '${site.name}' lies in plate '${p.name}', which subsamples ` +
        `(${p.subsampleSize} of ${p.size}); a joint family ties every datapoint's latents together, so it needs ` +
        `the whole plate. Use family 'normal' (per-datapoint params, subsampling, amortisation) or do not subsample`,
      site.name,
    );
  }
}

function amortisedPlate<A extends unknown[]>(sites: readonly LatentSite[], amortize: Amortize<A>) {
  if (amortize.plate !== undefined) {
    for (const s of sites) {
      const p = s.plates.find((f) => f.name === amortize.plate);
      if (p) return p;
    }
    fail('invalid-argument', `autoGuide amortize: no latent site lies in plate '${amortize.plate}'`, 'amortize.plate');
  }
  const outermost = new Map(sites.filter((s) => s.plates.length > 0).map((s) => [s.plates[0]!.name, s.plates[0]!] as const));
  if (outermost.size !== 1) {
    fail(
      'invalid-argument',
      `autoGuide amortize: ${outermost.size === 0 ? 'no latent site lies in a plate' : `latents lie in several outermost plates (${[...outermost.keys()].join(', ')})`}; name one with amortize.plate`,
      'amortize.plate',
    );
  }
  return [...outermost.values()][0]!;
}

export interface Built {
  readonly guide: FamilyGuide;
  readonly sites: readonly LatentSite[];
  /** The plate whose sites are amortised (their size there may change between argument shapes). */
  readonly amortised: string | undefined;
}

/**
 * Later argument shapes keep the first call's sites (a site that only appears without data, such as a
 * prediction drawn with `sample`, is the model's to draw) and may not change per-datapoint param shapes.
 */
function keepReference(latents: readonly LatentSite[], reference: Built | undefined, family: AutoGuideFamily): LatentSite[] {
  if (!reference) return [...latents];
  const before = new Map(reference.sites.map((s) => [s.name, s] as const));
  const kept = latents.filter((s) => before.has(s.name));
  for (const site of kept) {
    const old = before.get(site.name)!;
    const changed = site.paramBatch.some((d, i) => {
      const plate = site.plates.find((p) => site.batchShape.length + p.dim === i);
      return d !== old.paramBatch[i] && !(plate && plate.name === reference.amortised);
    });
    if (changed || site.paramBatch.length !== old.paramBatch.length) {
      fail(
        'shape-mismatch',
        `autoGuide({ family: '${family}' }): site '${site.name}' had params of batch shape [${old.paramBatch.join(', ')}] ` +
          `(one per datapoint of its plates), but these arguments give [${site.paramBatch.join(', ')}]. Per-datapoint ` +
          `params cannot cover other datapoints: amortise the plate (amortize: { input }) to guide new data`,
        site.name,
      );
    }
  }
  return kept;
}

/** Trace the model on `args` and build the family's guide for its latent sites. */
export function build<A extends unknown[]>(
  model: (...args: A) => unknown,
  args: A,
  options: AutoGuideOptions<A>,
  reference: Built | undefined,
): Built {
  const { family } = options;
  const prefix = options.prefix ?? 'auto';
  const initScale = options.initScale ?? 0.1;
  // Params exist after the first structure's run: later traces only need shapes, so start anywhere.
  const prototype = tracePrototype(model, args, reference ? 'feasible' : options.init);
  const latents = keepReference(prototype.latents, reference, family);
  for (const site of latents) checkSupport(site, family);
  if (family === 'multivariateNormal' || family === 'flow') {
    for (const site of latents) checkJoint(site, family);
    const aux = `${prefix}.latent`;
    if (prototype.names.has(aux)) fail('invalid-argument', `autoGuide: the model has a site named '${aux}', which the guide needs; pass another prefix`, aux);
    const law = family === 'flow' ? flowLaw(prefix, latents, initScale, options) : multivariateNormalLaw(prefix, latents, initScale, options.rank);
    return { guide: jointGuide(aux, latents, law), sites: latents, amortised: undefined };
  }
  const continuous = (site: LatentSite): Head => (family === 'delta' ? deltaHead(site) : normalHead(site, initScale));
  const guided: GuidedSite[] = latents.map((site) => ({ site, head: site.discrete ? discreteHead(site, site.discrete) : continuous(site) }));
  let amortizer: Amortizer | undefined;
  if (options.amortize) {
    const plate = amortisedPlate(latents, options.amortize);
    const inside = guided.filter(({ site }) => site.plates.some((p) => p.name === plate.name));
    const input = options.amortize.input as (indices: tf.Tensor, ...args: unknown[]) => tf.Tensor;
    amortizer = new Amortizer(prefix, plate, inside, input, options.amortize.hidden);
  }
  return { guide: meanFieldGuide(prefix, guided, amortizer), sites: latents, amortised: amortizer?.plate.name };
}

