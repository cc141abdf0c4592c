import { fail } from '../runtime/errors.js';

/**
 * Pareto smoothed importance sampling (Vehtari, Simpson, Gelman, Yao and Gabry, "Pareto smoothed
 * importance sampling", JMLR 2024). The largest importance ratios are noisy; PSIS fits a generalised
 * Pareto distribution (GPD) to the upper tail of the ratios and replaces the tail by the fitted
 * quantiles. The fitted shape k-hat is also the diagnostic: the ratios have finite variance for k < 1/2,
 * and self-normalised estimates are reliable for k-hat below min(1 - 1/log10 S, 0.7).
 *
 * Everything is host-side Float64 on S numbers (S is thousands), in log space where it matters: ratios
 * are exponentiated only after subtracting their maximum.
 */

/** A generalised Pareto fit: P(X > x) = (1 + k x / sigma)^(-1/k) for exceedances x >= 0. */
export interface GeneralizedPareto {
  /** The shape (the paper's k), after the weakly informative prior's adjustment towards 1/2. */
  readonly k: number;
  readonly sigma: number;
}

export interface ParetoSmoothed {
  /** Smoothed, normalised log weights (log-sum-exp 0), in the order of the input. */
  readonly logWeights: Float64Array;
  /**
   * The GPD shape fitted to the tail (the k-hat diagnostic). Infinity when S is too small for a tail
   * of 5 ratios; -Infinity when the tail is flat (its largest ratios are all equal: nothing to smooth).
   */
  readonly k: number;
  /** The reliability threshold for S draws, min(1 - 1 / log10 S, 0.7): k-hat above it, do not trust. */
  readonly threshold: number;
  /** Effective sample size of the smoothed weights, 1 / sum w^2. */
  readonly ess: number;
  /** Ratios in the fitted tail, M = ceil(min(S / 5, 3 sqrt S)). */
  readonly tail: number;
}

/** The tail length of the paper: M = min(0.2 S, 3 sqrt S), rounded up. */
export function tailLength(s: number): number {
  return Math.ceil(Math.min(0.2 * s, 3 * Math.sqrt(s)));
}

/** The sample-size dependent k-hat threshold min(1 - 1 / log10 S, 0.7). */
export function khatThreshold(s: number): number {
  return Math.min(1 - 1 / Math.log10(s), 0.7);
}

/** Pseudo-observations of the weakly informative prior: the fitted k is shrunk towards 1/2 by 10 / (M + 10). */
const PRIOR_WEIGHT = 10;
const PRIOR_K = 0.5;

/** Profile log-likelihood of theta = -k / sigma: n (log(-theta / k) - k - 1) with k = mean log(1 - theta x). */
function profileLogLik(theta: number, x: ArrayLike<number>): number {
  const k = meanLog1p(-theta, x);
  return x.length * (Math.log(-theta / k) - k - 1);
}

function meanLog1p(a: number, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.log1p(a * x[i]!);
  return s / x.length;
}

/**
 * Fit a GPD to exceedances (ascending, >= 0) with Zhang and Stephens' (2009) estimator: the posterior
 * mean of theta = -k / sigma over a grid of m = 30 + floor(sqrt n) points from their data-dependent
 * prior, each weighted by its profile likelihood; then k = mean log(1 - theta x) and sigma = -k / theta.
 * The returned k carries the paper's weakly informative prior, (n k + 10 * 0.5) / (n + 10); sigma is the
 * unadjusted fit's, as in the paper.
 */
export function fitGeneralizedPareto(x: ArrayLike<number>): GeneralizedPareto {
  const n = x.length;
  if (n < 2) fail('invalid-argument', `fitGeneralizedPareto: needs at least 2 exceedances, got ${n}`, 'x');
  const largest = x[n - 1]!;
  if (!(largest > 0)) fail('invalid-argument', 'fitGeneralizedPareto: the exceedances are all 0', 'x');
  // The first quartile sets the grid's scale; ties at the threshold may make it 0, then the first positive one.
  let xstar = x[Math.floor(n / 4 + 0.5) - 1]!;
  if (!(xstar > 0)) {
    for (let i = 0; i < n; i++) {
      if (x[i]! > 0) {
        xstar = x[i]!;
        break;
      }
    }
  }
  const m = 30 + Math.floor(Math.sqrt(n));
  const prior = 3;
  const thetas: number[] = [];
  const logLik: number[] = [];
  for (let j = 1; j <= m; j++) {
    const theta = 1 / largest + (1 - Math.sqrt(m / (j - 0.5))) / (prior * xstar);
    const l = profileLogLik(theta, x);
    // theta = 0 exactly (k = 0) gives 0 / 0: that grid point carries no weight.
    if (Number.isFinite(l)) {
      thetas.push(theta);
      logLik.push(l);
    }
  }
  const top = Math.max(...logLik);
  let total = 0;
  let weighted = 0;
  for (let j = 0; j < thetas.length; j++) {
    const w = Math.exp(logLik[j]! - top);
    total += w;
    weighted += w * thetas[j]!;
  }
  const theta = weighted / total;
  const k = meanLog1p(-theta, x);
  const sigma = -k / theta;
  return { k: (n * k + PRIOR_WEIGHT * PRIOR_K) / (n + PRIOR_WEIGHT), sigma };
}

/** The GPD's quantile function at p in (0, 1). */
function gpdQuantile(p: number, { k, sigma }: GeneralizedPareto): number {
  return Math.abs(k) < 1e-12 ? -sigma * Math.log1p(-p) : (sigma / k) * Math.expm1(-k * Math.log1p(-p));
}

function logSumExp(x: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > max) max = x[i]!;
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - max);
  return max + Math.log(s);
}

/** Normalise log weights in place (log-sum-exp 0) and return their ESS, 1 / sum w^2. */
function normalise(logWeights: Float64Array): number {
  const lse = logSumExp(logWeights);
  let sumSq = 0;
  for (let i = 0; i < logWeights.length; i++) {
    logWeights[i] = logWeights[i]! - lse;
    sumSq += Math.exp(2 * logWeights[i]!);
  }
  return 1 / sumSq;
}

/**
 * Pareto-smooth importance log ratios log w_s (any additive constant): the M largest ratios are
 * replaced by the quantiles (i - 1/2) / M of a GPD fitted to their exceedances over the (M+1)-th largest,
 * in rank order, truncated at the largest raw ratio; then normalised. -Infinity ratios (zero weight) are
 * allowed; NaN and +Infinity are errors.
 *
 * @example
 * const { logWeights, k, threshold } = paretoSmooth(logRatios);
 * if (k > threshold) console.warn('importance weights too heavy-tailed: estimates unreliable');
 */
export function paretoSmooth(logRatios: ArrayLike<number>): ParetoSmoothed {
  const s = logRatios.length;
  if (s < 1) fail('invalid-argument', 'paretoSmooth: no log ratios given', 'logRatios');
  const out = Float64Array.from(logRatios);
  for (let i = 0; i < s; i++) {
    if (Number.isNaN(out[i]!) || out[i] === Infinity) {
      fail('non-finite', `paretoSmooth: log ratio ${i} is ${out[i]} (expected a finite number or -Infinity); the model or guide log density is not finite there`, 'logRatios');
    }
  }
  const threshold = khatThreshold(s);
  const m = tailLength(s);
  const order = Array.from({ length: s }, (_, i) => i).sort((a, b) => out[a]! - out[b]!);
  const max = out[order[s - 1]!]!;
  if (max === -Infinity) fail('non-finite', 'paretoSmooth: every log ratio is -Infinity (every draw has zero weight)', 'logRatios');
  if (m < 5 || s - m < 1) {
    const ess = normalise(out);
    return { logWeights: out, k: Infinity, threshold, ess, tail: 0 };
  }
  const cutoff = Math.exp(out[order[s - m - 1]!]! - max);
  const exceedances = new Float64Array(m);
  for (let i = 0; i < m; i++) exceedances[i] = Math.exp(out[order[s - m + i]!]! - max) - cutoff;
  if (!(exceedances[m - 1]! > 0)) {
    const ess = normalise(out);
    return { logWeights: out, k: -Infinity, threshold, ess, tail: m };
  }
  const fit = fitGeneralizedPareto(exceedances);
  for (let i = 0; i < m; i++) {
    const smoothed = Math.log(cutoff + gpdQuantile((i + 0.5) / m, fit)) + max;
    out[order[s - m + i]!] = Math.min(smoothed, max);
  }
  const ess = normalise(out);
  return { logWeights: out, k: fit.k, threshold, ess, tail: m };
}
