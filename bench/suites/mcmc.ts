import { mcmc, nuts } from '../../src/inference/index.js';
import { correlatedGaussian, DIM } from '../../test/helpers/correlated-gaussian.js';

/**
 * NUTS on the 100-d correlated Gaussian of the MCMC tests (sds 0.5-2, AR(1) correlation 0.5): effective
 * draws per gradient evaluation, the cost measure that does not depend on the machine's load, and per
 * second. ESS is the bulk ESS of each coordinate (Vehtari et al. 2021); gradients are those of the draws
 * after warm-up (a chain's own count: the chains share model evaluations, which are reported too).
 */
export interface McmcResult {
  readonly description: string;
  readonly chains: number;
  readonly warmup: number;
  readonly draws: number;
  readonly essBulk: { readonly min: number; readonly median: number };
  readonly gradientsAfterWarmup: number;
  readonly essPerGradient: { readonly min: number; readonly median: number };
  readonly essPerSecond: { readonly min: number; readonly median: number };
  readonly seconds: number;
  readonly stepSize: readonly number[];
  readonly meanTreeDepth: readonly number[];
  readonly divergences: number;
  readonly peer: string;
}

const round = (x: number, digits = 4): number => Number(x.toPrecision(digits));

export function mcmcSuite(): McmcResult {
  const chains = 4;
  const warmup = 500;
  const draws = 500;
  const started = performance.now();
  const fit = mcmc(correlatedGaussian, nuts(), { chains, warmup, draws, seed: 0 }).run();
  const seconds = (performance.now() - started) / 1000;
  const ess = fit.sites[0]!.diagnostics.map((d) => d.essBulk).sort((a, b) => a - b);
  const gradients = fit.records.reduce((n, r) => n + r.steps.reduce((a, b) => a + b, 0), 0);
  const median = ess[Math.floor(DIM / 2)]!;
  return {
    description: `NUTS (multinomial, diagonal mass), ${chains} chains x ${draws} draws after ${warmup} warm-up, 100-d Gaussian (sds 0.5-2, AR(1) rho 0.5)`,
    chains,
    warmup,
    draws,
    essBulk: { min: round(ess[0]!), median: round(median) },
    gradientsAfterWarmup: gradients,
    essPerGradient: { min: round(ess[0]! / gradients), median: round(median / gradients) },
    essPerSecond: { min: round(ess[0]! / seconds), median: round(median / seconds) },
    seconds: round(seconds),
    stepSize: fit.stepSize.map((s) => round(s)),
    meanTreeDepth: fit.meanTreeDepth.map((d) => round(d, 3)),
    divergences: fit.divergences,
    peer: 'no NUTS on npm to compare with (npm search: none); Stan publishes no figure for this target',
  };
}
