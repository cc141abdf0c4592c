import { fail } from '../runtime/errors.js';
import { BOOLEAN_OPTION, checkDrawOptions, checkProbs, DRAW_OPTIONS, momentsOf, reweight, streamOf, type ImportanceDiagnostics, type SiteSummary } from './importance.js';
import { summarizeMcmc, type McmcSummary } from './mcmc/summary.js';
import type { McmcResult } from './mcmc/runner.js';
import { drawPosterior } from './posterior-draws.js';
import type { Program } from './program.js';

export interface SummaryOptions {
  /** Draws S from the guide (default 1000). */
  readonly draws?: number;
  /** Draws evaluated at once, bounding memory (default 1000). */
  readonly chunk?: number;
  readonly seed?: number | string;
  /**
   * Reweight the guide's draws towards the posterior by Pareto-smoothed importance sampling
   * (`importance`; needs the model). Default false: the guide's own draws, as they are.
   */
  readonly reweight?: boolean;
  /** Quantile levels (default [0.05, 0.5, 0.95]). */
  readonly probs?: readonly number[];
  readonly vectorize?: boolean;
  readonly allowPriorDraws?: boolean;
}

/** What `summary` summarises: a guide, or a model with its guide (what a fit is made of). */
export type SummarySource<A extends unknown[]> = Program<A> | { readonly model?: Program<A>; readonly guide: Program<A> };

export interface PosteriorSummary {
  /** Draws S. */
  readonly draws: number;
  readonly reweighted: boolean;
  /**
   * Every latent site (the model's, with its deterministic sites, when the model is given; else the
   * guide's), in its constrained space: mean, sd, quantiles and their Monte Carlo errors per element.
   */
  readonly sites: readonly SiteSummary[];
  /** k-hat, ESS and log p(x) of the weights; only when reweighted. */
  readonly diagnostics: ImportanceDiagnostics | undefined;
  readonly warnings: readonly string[];
}

/**
 * Posterior summaries of a fitted guide: per latent site, in the site's constrained space (the values
 * the model sees: a lognormal guide's draws, not its loc), the mean, sd and 5/50/95% quantiles of S
 * guide draws, with Monte Carlo standard errors. With `reweight: true` the draws are importance-
 * weighted towards the model's posterior (PSIS; see `importance`), with the k-hat diagnostic: what a
 * guide trained by IWAE, SUMO or ML-RR (a proposal, not a posterior) needs.
 *
 * @example
 * const fit = svi(model, guide, { estimator: iwae({ k: 10 }), optimizer: adam({ lr: 0.01 }), seed: 0 });
 * for (let i = 0; i < 2000; i++) fit.step(y, sigma);
 * const s = summary({ model, guide }, [y, sigma], { draws: 10000, reweight: true, seed: 1 });
 * for (const site of s.sites) console.log(site.name, site.mean, site.sd);
 *
 * `summary(fit)` of an `mcmc(...).run(...)` result gives the same columns for the pooled chains, with
 * Monte Carlo errors from the effective sample size, and per element split R-hat and bulk/tail ESS.
 */
export function summary(result: McmcResult, options?: { readonly probs?: readonly number[] }): McmcSummary;
export function summary<A extends unknown[]>(source: SummarySource<A>, args: A, options?: SummaryOptions): PosteriorSummary;
export function summary<A extends unknown[]>(
  source: SummarySource<A> | McmcResult,
  args?: A | { readonly probs?: readonly number[] },
  options: SummaryOptions = {},
): PosteriorSummary | McmcSummary {
  if (isMcmcResult(source)) {
    // MCMC draws are already from the posterior: the same table, errors from ESS, plus R-hat and ESS.
    const given = args ?? {};
    checkDrawOptions('summary (of an MCMC result)', given, { probs: DRAW_OPTIONS['probs']! });
    return summarizeMcmc(source, checkProbs('summary', (given as { probs?: unknown }).probs));
  }
  const { model, guide } = sourceOf(source);
  if (!Array.isArray(args)) fail('invalid-argument', `summary: args must be the array of the programs' arguments (e.g. [data]), got ${typeof args}`, 'args');
  checkDrawOptions('summary', options, { ...DRAW_OPTIONS, reweight: BOOLEAN_OPTION });
  const probs = checkProbs('summary', options.probs);
  if (options.reweight && !model) {
    fail('invalid-argument', 'summary: reweight needs the model (the weights are p(x, z) / q(z)): call summary({ model, guide }, args, { reweight: true })', 'reweight');
  }
  const count = options.draws ?? 1000;
  const draws = drawPosterior(model, guide, args, streamOf(options.seed), {
    count,
    chunk: Math.min(options.chunk ?? 1000, count),
    vectorize: options.vectorize ?? true,
    allowPriorDraws: options.allowPriorDraws ?? false,
  });
  if (options.reweight) {
    const r = reweight(draws, true, probs);
    return { draws: count, reweighted: true, sites: r.moments, diagnostics: r.diagnostics, warnings: r.warnings };
  }
  const equal = new Float64Array(count).fill(1 / count);
  return { draws: count, reweighted: false, sites: momentsOf(draws, [equal], probs), diagnostics: undefined, warnings: [...draws.notes] };
}

function isMcmcResult(source: unknown): source is McmcResult {
  return source !== null && typeof source === 'object' && (source as { kind?: unknown }).kind === 'mcmc';
}

function sourceOf<A extends unknown[]>(source: SummarySource<A>): { model: Program<A> | undefined; guide: Program<A> } {
  if (typeof source === 'function') return { model: undefined, guide: source };
  if (source !== null && typeof source === 'object' && typeof source.guide === 'function') {
    if (source.model !== undefined && typeof source.model !== 'function') {
      fail('invalid-argument', `summary: source.model must be a function (the model program), got ${typeof source.model}`, 'model');
    }
    return { model: source.model, guide: source.guide };
  }
  return fail('invalid-argument', `summary(source, args, options): source must be a guide function or { model, guide }, got ${source === null ? 'null' : typeof source}`, 'source');
}
