import type { SiteSummary } from '../importance.js';
import { siteMoments } from '../weighted-moments.js';
import type { McmcResult } from './runner.js';

/** A site's summary from MCMC draws: the guide summary's columns plus convergence diagnostics. */
export interface McmcSiteSummary extends SiteSummary {
  /** Per element: max(rank-normalised, folded) split R-hat. */
  readonly rhat: readonly number[];
  readonly essBulk: readonly number[];
  readonly essTail: readonly number[];
}

export interface McmcSummary {
  /** Draws in all (chains x draws per chain). */
  readonly draws: number;
  readonly reweighted: false;
  readonly sites: readonly McmcSiteSummary[];
  readonly diagnostics: undefined;
  readonly warnings: readonly string[];
  readonly mcmc: {
    readonly kernel: 'hmc' | 'nuts';
    readonly chains: number;
    readonly drawsPerChain: number;
    readonly divergences: number;
    readonly maxRhat: number;
  };
}

/**
 * Moments and quantiles of the pooled draws, with Monte Carlo errors from the effective sample size
 * (sd / sqrt(ESS) for the mean; the delta method with the ESS of the squared deviations for the sd),
 * not from the draw count: MCMC draws are correlated.
 */
export function summarizeMcmc(result: McmcResult, probs: readonly number[]): McmcSummary {
  const total = result.chains * result.draws;
  const equal = new Float64Array(total).fill(1 / total);
  const sites = result.sites.map((site): McmcSiteSummary => {
    const m = siteMoments(site.name, site.shape, site.values, total, () => equal, probs);
    const size = site.diagnostics.length;
    const mcseMean: number[] = [];
    const mcseSd: number[] = [];
    for (let e = 0; e < size; e++) {
      const d = site.diagnostics[e]!;
      const sd = m.sd[e]!;
      mcseMean.push(Number.isFinite(d.essMean) ? sd / Math.sqrt(d.essMean) : 0);
      // Var of the sample variance ~ Var((x - mean)^2) / ESS; the sd's error is that over 2 sd.
      let fourth = 0;
      for (let s = 0; s < total; s++) fourth += ((site.values[s * size + e]! - m.mean[e]!) ** 2 - sd * sd) ** 2;
      mcseSd.push(sd > 0 && Number.isFinite(d.essSquare) ? Math.sqrt(fourth / total / d.essSquare) / (2 * sd) : 0);
    }
    return {
      ...m,
      mcseMean,
      mcseSd,
      kind: 'latent',
      support: site.support,
      rhat: site.diagnostics.map((d) => d.rhat),
      essBulk: site.diagnostics.map((d) => d.essBulk),
      essTail: site.diagnostics.map((d) => d.essTail),
    };
  });
  return {
    draws: total,
    reweighted: false,
    sites,
    diagnostics: undefined,
    warnings: result.warnings,
    mcmc: { kernel: result.kernel, chains: result.chains, drawsPerChain: result.draws, divergences: result.divergences, maxRhat: result.maxRhat },
  };
}
