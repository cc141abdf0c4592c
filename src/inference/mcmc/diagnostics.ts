/**
 * Convergence diagnostics of several chains of draws of one scalar (Vehtari, Gelman, Simpson,
 * Carpenter, Bürkner 2021, "Rank-normalization, folding, and localization: an improved R-hat"):
 * split R-hat on rank-normalised and folded draws, bulk and tail effective sample sizes, and the ESS of
 * the mean for Monte Carlo standard errors. `draws[c]` is chain c's sequence.
 */

/** The standard normal quantile (Acklam's rational approximation refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One Halley step on Phi(x) - p.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** erfc to ~1e-7 relative (Numerical Recipes' Chebyshev fit), enough for one Halley refinement. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

type Chains = readonly Float64Array[];

/** Each chain cut into its first and second half (the middle draw of an odd length dropped). */
export function splitChains(draws: Chains): Float64Array[] {
  const out: Float64Array[] = [];
  for (const chain of draws) {
    const half = Math.floor(chain.length / 2);
    out.push(chain.slice(0, half), chain.slice(chain.length - half));
  }
  return out;
}

/** z-scores of the pooled ranks (average rank for ties), Blom's offset (r - 3/8) / (S + 1/4). */
export function rankNormalize(draws: Chains): Float64Array[] {
  const total = draws.reduce((n, c) => n + c.length, 0);
  const flat = new Float64Array(total);
  let k = 0;
  for (const c of draws) for (const x of c) flat[k++] = x;
  const order = Array.from({ length: total }, (_, i) => i).sort((i, j) => flat[i]! - flat[j]!);
  const rank = new Float64Array(total);
  for (let i = 0; i < total; ) {
    let j = i;
    while (j + 1 < total && flat[order[j + 1]!] === flat[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++) rank[order[m]!] = r;
    i = j + 1;
  }
  const out: Float64Array[] = [];
  k = 0;
  for (const c of draws) {
    const z = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) z[i] = normalQuantile((rank[k++]! - 0.375) / (total + 0.25));
    out.push(z);
  }
  return out;
}

const mean = (x: Float64Array): number => x.reduce((a, b) => a + b, 0) / x.length;

function variance(x: Float64Array): number {
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return s / (x.length - 1);
}

/** The classic potential scale reduction of (already split) chains: sqrt(var+ / W). */
export function rhatOf(chains: Chains): number {
  const n = chains[0]!.length;
  const means = Float64Array.from(chains, mean);
  const w = mean(Float64Array.from(chains, variance));
  const b = n * variance(means);
  return Math.sqrt(((n - 1) / n) * w + b / n) / Math.sqrt(w);
}

/**
 * Effective sample size of chains (Stan's estimator: the multi-chain autocorrelation of Gelman et al.
 * BDA3 eq. 11.7, summed over Geyer's initial monotone positive sequence).
 */
export function essOf(chains: Chains): number {
  const m = chains.length;
  const n = chains[0]!.length;
  if (n < 4) return NaN;
  const means = Float64Array.from(chains, mean);
  const acov = (chain: Float64Array, mu: number, lag: number): number => {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += (chain[i]! - mu) * (chain[i + lag]! - mu);
    return s / n;
  };
  const meanAcov = (lag: number): number => {
    let s = 0;
    for (let c = 0; c < m; c++) s += acov(chains[c]!, means[c]!, lag);
    return s / m;
  };
  const meanVar = (meanAcov(0) * n) / (n - 1);
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += variance(means);
  if (!(varPlus > 0)) return NaN;
  const rho = new Float64Array(n);
  const rhoAt = (lag: number): number => 1 - (meanVar - meanAcov(lag)) / varPlus;
  rho[0] = 1;
  let even = 1;
  let odd = rhoAt(1);
  rho[1] = odd;
  let t = 1;
  while (t < n - 4 && even + odd > 0) {
    even = rhoAt(t + 1);
    odd = rhoAt(t + 2);
    if (even + odd >= 0) {
      rho[t + 1] = even;
      rho[t + 2] = odd;
    }
    t += 2;
  }
  const maxT = t;
  if (even > 0) rho[maxT + 1] = even;
  // Geyer's monotone sequence: pair sums may not increase.
  for (let s = 1; s <= maxT - 3; s += 2) {
    if (rho[s + 1]! + rho[s + 2]! > rho[s - 1]! + rho[s]!) {
      rho[s + 1] = (rho[s - 1]! + rho[s]!) / 2;
      rho[s + 2] = rho[s + 1]!;
    }
  }
  let sum = 0;
  for (let s = 0; s <= maxT; s++) sum += rho[s]!;
  const total = m * n;
  const tau = Math.max(-1 + 2 * sum + (rho[maxT + 1] ?? 0), 1 / Math.log10(total));
  return total / tau;
}

function quantileOf(chains: Chains, p: number): number {
  const all = Float64Array.from(chains.flatMap((c) => Array.from(c))).sort();
  const h = (all.length - 1) * p;
  const lo = Math.floor(h);
  return all[lo]! + (h - lo) * ((all[Math.min(lo + 1, all.length - 1)] ?? all[lo]!) - all[lo]!);
}

const isConstant = (chains: Chains): boolean => {
  const first = chains[0]![0];
  return chains.every((c) => c.every((x) => x === first));
};

export interface ScalarDiagnostics {
  /** max(rank-normalised split R-hat, folded split R-hat); NaN for constant draws. */
  readonly rhat: number;
  /** ESS of the rank-normalised split chains: how well the bulk (means, medians) is estimated. */
  readonly essBulk: number;
  /** min ESS of the 5% and 95% quantile indicators: how well the tails are estimated. */
  readonly essTail: number;
  /** ESS of the draws themselves (split), for the Monte Carlo error of the mean. */
  readonly essMean: number;
  /** ESS of the squared deviations from the mean, for the Monte Carlo error of the sd. */
  readonly essSquare: number;
}

/** Every diagnostic of one scalar's chains. */
export function diagnose(chains: Chains): ScalarDiagnostics {
  if (chains.length === 0 || chains[0]!.length < 4 || isConstant(chains)) return { rhat: NaN, essBulk: NaN, essTail: NaN, essMean: NaN, essSquare: NaN };
  const split = splitChains(chains);
  const ranked = rankNormalize(split);
  const median = quantileOf(chains, 0.5);
  const folded = rankNormalize(split.map((c) => c.map((x) => Math.abs(x - median))));
  const rhat = Math.max(rhatOf(ranked), rhatOf(folded));
  const indicator = (q: number): Float64Array[] => split.map((c) => c.map((x) => (x <= q ? 1 : 0)));
  const tails = [0.05, 0.95].map((p) => {
    const ind = indicator(quantileOf(chains, p));
    return isConstant(ind) ? NaN : essOf(ind);
  });
  const all = chains.flatMap((c) => Array.from(c));
  const mu = all.reduce((a, b) => a + b, 0) / all.length;
  return {
    rhat,
    essBulk: essOf(ranked),
    essTail: Math.min(...tails),
    essMean: essOf(split),
    essSquare: essOf(split.map((c) => c.map((x) => (x - mu) ** 2))),
  };
}
