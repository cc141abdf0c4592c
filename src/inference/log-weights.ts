import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import { sameShape } from '../runtime/shapes.js';
import type { PlateFrame } from '../runtime/messages.js';
import type { SampleSite, Trace } from '../runtime/trace.js';
import { enumeratedSites, sumOutEnumerated } from './enumeration.js';
import { siteSum, type SiteSumTerm } from './site-sums.js';

/** One run of guide then model: vectorised (all K particles) or one particle of a loop. */
export interface ParticleRun {
  readonly guide: Trace;
  readonly model: Trace;
}

/** A per-site term for `Weighted.total`: a batch-shaped tensor, or undefined for the site's log-prob. */
export type SiteTerm = (site: SampleSite, run: ParticleRun) => tf.Tensor | undefined;

/**
 * K particles of a model/guide pair and the per-particle, per-datapoint quantities the estimators
 * need. The datapoint axis is the data plate: the outermost plate holding every latent and observed
 * site. With a latent outside it (a global latent), the whole minibatch is one datapoint.
 */
export class Weighted {
  constructor(
    readonly runs: readonly ParticleRun[],
    readonly k: number,
    readonly vectorized: boolean,
    /** The data plate, or undefined when some site lies outside every plate they share. */
    readonly dataPlate: PlateFrame | undefined,
    /** Model latents the guide did not sample were drawn from their priors (Problem.allowPriorDraws). */
    readonly priorDraws = false,
  ) {}

  /** N / B of the data plate's subsampling: per-datapoint terms exclude it, sums over data restore it. */
  get dataScale(): number {
    const p = this.dataPlate;
    return p ? p.size / p.subsampleSize : 1;
  }

  /** Does any site lie in a subsampled plate? */
  get subsampled(): boolean {
    const run = this.runs[0]!;
    return [...run.guide.sampleSites(), ...run.model.sampleSites()].some((s) =>
      s.plates.some((p) => p.subsampleSize < p.size),
    );
  }

  /**
   * Sum of `term` (default: the log-prob) over one program's sites: [K, B], or [K] without a data plate.
   * The model's enumerated latents are summed out (src/inference/enumeration.ts).
   */
  total(side: 'model' | 'guide', term: SiteTerm = () => undefined, filter: (s: SampleSite) => boolean = () => true): tf.Tensor {
    return this.combine((run) => this.siteTerms(side, run, term, filter, 1));
  }

  /** log w = log p(x, z) - log q(z | x): [K, B] or [K]. One taped op for both sums (site-sums.ts). */
  logWeights(): tf.Tensor {
    return this.combine((run) => [...this.siteTerms('model', run, undefined, undefined, 1), ...this.siteTerms('guide', run, undefined, undefined, -1)]);
  }

  /** Per run, the site sum of `termsOf(run)`, in the shape [K, B] / [K]. */
  private combine(termsOf: (run: ParticleRun) => SiteSumTerm[]): tf.Tensor {
    const perRun = this.runs.map((run) => siteSum(termsOf(run)));
    const shape = this.dataPlate ? [this.k, this.dataPlate.subsampleSize] : [this.k];
    if (this.vectorized) {
      const total = perRun[0]!;
      // broadcastTo clones when the shape already agrees (one Identity, and a Cast in its gradient).
      return sameShape(total.shape, shape) ? total : tf.broadcastTo(total, shape);
    }
    return tf.stack(perRun.map((t) => tf.broadcastTo(t, shape.slice(1))));
  }

  /** One program's sites in a run as terms of a site sum, each with coefficient `sign` (over the subsample scale). */
  private siteTerms(side: 'model' | 'guide', run: ParticleRun, term: SiteTerm = () => undefined, filter: (s: SampleSite) => boolean = () => true, sign: 1 | -1): SiteSumTerm[] {
    // With prior draws, a model latent the guide did not sample is part of the proposal: its
    // log-prob is in both p and q and cancels, so neither counts it.
    const sites = (
      side === 'guide'
        ? run.guide.latentSites()
        : this.priorDraws
          ? run.model.sampleSites().filter((s) => s.observed || s.enumDim !== undefined || run.guide.has(s.name))
          : run.model.sampleSites()
    ).filter(filter);
    const enumerated = side === 'model' ? enumeratedSites(sites) : [];
    const terms = sites.map((site) => {
      const given = term(site, run);
      return { site, tensor: given ?? site.logProb, replaced: given !== undefined };
    });
    const reduced = enumerated.length > 0 ? sumOutEnumerated(terms, enumerated) : terms;
    return reduced.map(({ tensor, site }) => {
      const { axes, subsampled } = this.reduction(tensor, site);
      return { tensor, axes, coefficient: subsampled ? sign / this.dataScale : sign };
    });
  }

  /** Guide sites without a reparameterised draw: they need score-function terms. */
  scoreSites(): SampleSite[] {
    return this.runs[0]!.guide.latentSites().filter((s) => !s.reparameterized);
  }

  /**
   * The axes that reduce a site tensor to [K, B] / [K] (or [B] / [] for one loop particle), and whether
   * its sum is divided by the subsample scale: per-datapoint terms carry none; estimators multiply their
   * sum by dataScale.
   */
  private reduction(t: tf.Tensor, site: SampleSite): { axes: number[]; subsampled: boolean } {
    const particleAxes = this.vectorized ? 1 : 0;
    const data = this.dataPlate;
    const dataAxis = data ? t.rank + data.dim : -1;
    if (data && dataAxis < particleAxes) {
      fail('shape-mismatch', `site '${site.name}': its log-prob has no dim for the data plate '${data.name}'`, site.name);
    }
    const axes: number[] = [];
    for (let a = particleAxes; a < t.rank; a++) if (a !== dataAxis) axes.push(a);
    return { axes, subsampled: data !== undefined && data.subsampleSize < data.size };
  }
}

/** The data plate of a pair of runs: the outermost plate every latent and observed site shares. */
export function dataPlateOf(runs: readonly ParticleRun[]): PlateFrame | undefined {
  const { guide, model } = runs[0]!;
  const sites = [...guide.latentSites(), ...model.sampleSites()];
  if (sites.length === 0) return undefined;
  // Plates are listed innermost first; the data plate is the outermost one every site shares.
  const first = sites[0]!.plates;
  for (let i = first.length - 1; i >= 0; i--) {
    const candidate = first[i]!;
    const everywhere = sites.every((s) =>
      s.plates.some((p) => p.name === candidate.name && p.dim === candidate.dim && p.subsampleSize === candidate.subsampleSize),
    );
    if (everywhere) return candidate;
  }
  return undefined;
}

/**
 * Non-linear estimators (everything but the ELBO) need log w per datapoint; with a global latent the
 * minibatch is one datapoint, and subsampling it would bias them.
 */
export function requirePerDatapoint(weighted: Weighted, estimator: string): void {
  if (!weighted.dataPlate && weighted.subsampled) {
    fail(
      'unsupported-model',
      `${estimator}: the model has a latent outside the subsampled data plate, so the minibatch is a single ` +
        `datapoint and ${estimator} of a subsample is not an unbiased estimate for the full data (the estimator ` +
        `is non-linear in log w). Use elbo, or do not subsample (plate without { subsample }).`,
    );
  }
}
