import { fail } from '../runtime/errors.js';
import { currentRandom, Stream } from '../runtime/rng.js';
import { drawPosterior, type PosteriorDraws, type SiteDraws } from './posterior-draws.js';
import type { Program } from './program.js';
import { paretoSmooth } from './psis.js';
import { siteMoments, type SiteMoments } from './weighted-moments.js';

export interface ImportanceOptions {
  /** Draws S from the guide (default 1000; PSIS wants thousands for a sharp k-hat). */
  readonly draws?: number;
  /** Draws evaluated at once, bounding memory (default 1000). */
  readonly chunk?: number;
  readonly seed?: number | string;
  /** Pareto-smooth the weights (default true); false: plain self-normalised weights (k-hat still reported). */
  readonly smooth?: boolean;
  /** Quantile levels of the moments (default [0.05, 0.5, 0.95]). */
  readonly probs?: readonly number[];
  readonly vectorize?: boolean;
  /** Model latents the guide does not sample are drawn from their priors (see GradientOptions). */
  readonly allowPriorDraws?: boolean;
}

/** A site's moments, with what it is. */
export interface SiteSummary extends SiteMoments {
  readonly kind: 'latent' | 'deterministic';
  /** The site's support ('positive numbers', ...); undefined for deterministic sites. */
  readonly support: string | undefined;
}

/** How far the weights can be trusted (PSIS, Vehtari et al. 2024). */
export interface ImportanceDiagnostics {
  /** The Pareto k-hat of the weights (the largest over datapoints when the weights are per datapoint). */
  readonly khat: number;
  /** min(1 - 1 / log10 S, 0.7): above it the moments cannot be trusted. */
  readonly khatThreshold: number;
  /** Effective sample size of the (smoothed) normalised weights, 1 / sum w^2 (the smallest over datapoints). */
  readonly ess: number;
  /** Per datapoint of the data plate, when every latent lies in it; else one entry. */
  readonly perDatapoint: { readonly khat: readonly number[]; readonly ess: readonly number[] };
  /** Whether the weights were Pareto-smoothed. */
  readonly smoothed: boolean;
  /** log of the mean raw weight, summed over datapoints: the importance-sampling estimate of log p(x). */
  readonly logMarginal: number;
}

export interface ImportanceResult {
  /** Draws S. */
  readonly draws: number;
  /** The guide's draws of every model latent (and deterministic site), in the model's (constrained) space. */
  readonly sites: readonly SiteDraws[];
  /** Raw log w = log p(x, z) - log q(z): [S], or [S, B] row-major when the weights are per datapoint. */
  readonly logWeights: Float64Array;
  /** Normalised (smoothed) weights, laid out as `logWeights`; each datapoint's sum to 1. */
  readonly weights: Float64Array;
  /** B when the weights are per datapoint (every latent in the data plate: the posterior factorises). */
  readonly datapoints: number | undefined;
  /** Weighted posterior moments per site. */
  readonly moments: readonly SiteSummary[];
  readonly diagnostics: ImportanceDiagnostics;
  /** A k-hat above its threshold, sites left out, ... (each also worth showing a user). */
  readonly warnings: readonly string[];
}

export const DEFAULT_PROBS: readonly number[] = [0.05, 0.5, 0.95];

/** What each option of `importance` and `summary` accepts: a check, and how the message says it. */
type OptionCheck = readonly [(value: unknown) => boolean, string];
const integerAtLeast1: OptionCheck = [(v) => typeof v === 'number' && Number.isInteger(v) && v >= 1, 'an integer >= 1'];
const boolean: OptionCheck = [(v) => typeof v === 'boolean', 'true or false'];
const seed: OptionCheck = [(v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string', 'a finite number or a string'];

export const DRAW_OPTIONS: Readonly<Record<string, OptionCheck>> = {
  draws: integerAtLeast1,
  chunk: integerAtLeast1,
  seed,
  probs: [() => true, 'quantile levels'], // checked by checkProbs
  vectorize: boolean,
  allowPriorDraws: boolean,
};
export const BOOLEAN_OPTION = boolean;

/** Every option known and valid, or an error naming it, what it takes, and (for a typo) the option meant. */
export function checkDrawOptions(owner: string, options: unknown, checks: Readonly<Record<string, OptionCheck>>): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail('invalid-argument', `${owner}: options must be an object like { draws: 4000, seed: 1 }, got ${options === null ? 'null' : typeof options}`);
  }
  const known = Object.keys(checks);
  for (const [key, value] of Object.entries(options)) {
    const check = checks[key];
    if (!check) {
      const near = known.find((k) => k.toLowerCase().startsWith(key.toLowerCase().slice(0, 3)) && Math.abs(k.length - key.length) <= 2);
      fail('invalid-argument', `${owner}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}. Its options: ${known.join(', ')}.`, key);
    }
    if (value !== undefined && !check[0](value)) fail('invalid-argument', `${owner}: option ${key} must be ${check[1]}, got ${JSON.stringify(value)}`, key);
  }
}

export function checkProbs(owner: string, probs: unknown): readonly number[] {
  if (probs === undefined) return DEFAULT_PROBS;
  if (!Array.isArray(probs) || probs.length === 0 || !probs.every((p) => typeof p === 'number' && p > 0 && p < 1)) {
    fail('invalid-argument', `${owner}: option probs must be a non-empty array of quantile levels in (0, 1), e.g. [0.05, 0.5, 0.95]; got ${JSON.stringify(probs)}`, 'probs');
  }
  return probs as number[];
}

export function streamOf(seed: number | string | undefined): Stream {
  return seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(seed);
}

/** Element e of a site -> its datapoint, when the site has a datapoint axis. */
function datapointOf(site: SiteDraws): ((e: number) => number) | undefined {
  const axis = site.datapointAxis;
  if (axis === undefined) return undefined;
  const stride = site.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = site.shape[axis]!;
  return (e) => Math.floor(e / stride) % size;
}

/** Moments of every site under per-draw weights (`byDatapoint[b]`, or one array for all). */
export function momentsOf(draws: PosteriorDraws, byDatapoint: readonly Float64Array[], probs: readonly number[]): SiteSummary[] {
  return draws.sites.map((site) => {
    const datapoint = byDatapoint.length > 1 ? datapointOf(site) : undefined;
    const weightOf = datapoint ? (e: number) => byDatapoint[datapoint(e)]! : () => byDatapoint[0]!;
    return { ...siteMoments(site.name, site.shape, site.values, draws.count, weightOf, probs), kind: site.kind, support: site.support };
  });
}

/**
 * Importance reweighting of a guide's draws towards the model's posterior: a guide trained by IWAE,
 * SUMO or ML-RR is a proposal, not the posterior. Draws S from the guide, weights each by
 * w = p(x, z) / q(z), Pareto-smooths the weights (PSIS) and self-normalises them; returns the draws,
 * the weights, the weighted moments of every latent in its constrained space, the ESS and the Pareto
 * k-hat (k-hat above `khatThreshold`, at most 0.7, warns: the moments cannot be trusted, and more draws
 * will not fix that; the proposal must cover the posterior better, e.g. `rws` or a larger IWAE k).
 *
 * When every latent lies in the data plate (a VAE), the posterior factorises over datapoints and each
 * datapoint's draws get their own weights and diagnostics.
 *
 * @example
 * const r = importance(model, guide, [y, sigma], { draws: 10000, seed: 1 });
 * r.moments.find((m) => m.name === 'tau')!.mean; // the reweighted posterior mean
 * if (r.diagnostics.khat > r.diagnostics.khatThreshold) console.warn(r.warnings.join('\n'));
 */
export function importance<A extends unknown[]>(model: Program<A>, guide: Program<A>, args: A, options: ImportanceOptions = {}): ImportanceResult {
  if (typeof model !== 'function' || typeof guide !== 'function') {
    fail('invalid-argument', `importance(model, guide, args, options): model and guide must be functions, got ${typeof model} and ${typeof guide}`);
  }
  if (!Array.isArray(args)) fail('invalid-argument', `importance: args must be the array of the programs' arguments (e.g. [data]), got ${typeof args}`, 'args');
  checkDrawOptions('importance', options, { ...DRAW_OPTIONS, smooth: BOOLEAN_OPTION });
  const probs = checkProbs('importance', options.probs);
  const count = options.draws ?? 1000;
  const draws = drawPosterior(model, guide, args, streamOf(options.seed), {
    count,
    chunk: Math.min(options.chunk ?? 1000, count),
    vectorize: options.vectorize ?? true,
    allowPriorDraws: options.allowPriorDraws ?? false,
  });
  return reweight(draws, options.smooth ?? true, probs);
}

/** Weights, diagnostics and moments of draws that carry log w. */
export function reweight(draws: PosteriorDraws, smooth: boolean, probs: readonly number[]): ImportanceResult {
  const logWeights = draws.logWeights!;
  if (draws.subsampled) {
    fail(
      'unsupported-model',
      'importance: a plate subsamples, so log w is a rescaled minibatch estimate and exp(log w) is not an importance weight; ' +
        'run the program on all its data (plate without { subsample })',
    );
  }
  const s = draws.count;
  const b = draws.datapoints ?? 1;
  const weights = new Float64Array(s * b);
  const byDatapoint: Float64Array[] = [];
  const khat: number[] = [];
  const ess: number[] = [];
  let logMarginal = 0;
  let threshold = NaN;
  for (let j = 0; j < b; j++) {
    const column = Float64Array.from({ length: s }, (_, i) => logWeights[i * b + j]!);
    const psis = paretoSmooth(column);
    threshold = psis.threshold;
    khat.push(psis.k);
    let normalised = psis.logWeights;
    let columnEss = psis.ess;
    if (!smooth) {
      normalised = plainNormalised(column);
      columnEss = 1 / normalised.reduce((acc, lw) => acc + Math.exp(2 * lw), 0);
    }
    ess.push(columnEss);
    logMarginal += logMeanExp(column);
    const w = normalised.map(Math.exp);
    byDatapoint.push(w);
    for (let i = 0; i < s; i++) weights[i * b + j] = w[i]!;
  }
  const worst = Math.max(...khat);
  const warnings = [...draws.notes];
  if (!(worst <= threshold)) {
    const where = b > 1 ? ` (largest of ${b} datapoints; ${khat.filter((k) => !(k <= threshold)).length} above)` : '';
    warnings.push(
      worst === Infinity
        ? `Pareto k-hat cannot be estimated from ${s} draws (a tail of at least 5 needs S >= 25): the weighted moments cannot be trusted; draw more`
        : `Pareto k-hat ${worst.toFixed(2)}${where} is above ${threshold.toFixed(2)}: the importance weights are too heavy-tailed and the ` +
            'weighted moments cannot be trusted; more draws will not fix it: fit a guide that covers the posterior (e.g. rws, or iwae with a larger k)',
    );
  }
  return {
    draws: s,
    sites: draws.sites,
    logWeights,
    weights,
    datapoints: draws.datapoints,
    moments: momentsOf(draws, byDatapoint, probs),
    diagnostics: { khat: worst, khatThreshold: threshold, ess: Math.min(...ess), perDatapoint: { khat, ess }, smoothed: smooth, logMarginal },
    warnings,
  };
}

function logMeanExp(x: Float64Array): number {
  const max = x.reduce((a, v) => Math.max(a, v), -Infinity);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(x.reduce((acc, v) => acc + Math.exp(v - max), 0) / x.length);
}

function plainNormalised(x: Float64Array): Float64Array {
  const lse = logMeanExp(x) + Math.log(x.length);
  return x.map((v) => v - lse);
}
