import type { Stream } from '../../runtime/rng.js';
import { lgammaNumber } from '../math/special.js';

/**
 * Exact host-side samplers for counts, one element at a time from its own stream (for
 * `RandomSource.fill`). No normal approximations: inversion for small means, Hörmann's transformed
 * rejection with squeeze (PTRS, BTRS) for large ones, with float64 log-factorials in the acceptance test.
 */

// Inversion by sequential search is cheap and exact below these means.
const POISSON_INVERSION_MAX = 10;
const BINOMIAL_INVERSION_MAX = 10;

/** A Poisson(rate) draw; NaN for a rate that is negative, infinite or NaN. */
export function poissonDraw(s: Stream, rate: number): number {
  if (!(rate >= 0) || rate === Infinity) return NaN;
  if (rate === 0) return 0;
  return rate < POISSON_INVERSION_MAX ? poissonInversion(s, rate) : poissonPtrs(s, rate);
}

function poissonInversion(s: Stream, rate: number): number {
  const u = s.uniform();
  let k = 0;
  let p = Math.exp(-rate);
  let cdf = p;
  // The cap only guards against a cdf that rounds to just below u; P(k > 1000) is ~1e-1400 here.
  while (u > cdf && k < 1000) {
    k++;
    p *= rate / k;
    cdf += p;
  }
  return k;
}

/** W. Hörmann (1993), "The transformed rejection method for generating Poisson random variables". */
function poissonPtrs(s: Stream, rate: number): number {
  const slam = Math.sqrt(rate);
  const logRate = Math.log(rate);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = s.uniform() - 0.5;
    const v = s.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + rate + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -rate + k * logRate - lgammaNumber(k + 1)) {
      return k;
    }
  }
}

/** A Binomial(n, p) draw; n is floored; NaN for invalid arguments. */
export function binomialDraw(s: Stream, count: number, p: number): number {
  if (!(count >= 0) || count === Infinity || !(p >= 0 && p <= 1)) return NaN;
  const n = Math.floor(count);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  // Sample the rarer outcome: both methods assume p <= 1/2.
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  const k = n * q < BINOMIAL_INVERSION_MAX ? binomialInversion(s, n, q) : binomialBtrs(s, n, q);
  return flip ? n - k : k;
}

function binomialInversion(s: Stream, n: number, p: number): number {
  const u = s.uniform();
  const ratio = p / (1 - p);
  let k = 0;
  let pmf = Math.exp(n * Math.log1p(-p)); // >= e^-14 since n p < 10 and p <= 1/2
  let cdf = pmf;
  while (u > cdf && k < n) {
    pmf *= (ratio * (n - k)) / (k + 1);
    k++;
    cdf += pmf;
  }
  return k;
}

/**
 * W. Hörmann (1993), "The generation of binomial random variates", algorithm BTRS (n p >= 10,
 * p <= 1/2), with the exact log-factorial acceptance test.
 */
function binomialBtrs(s: Stream, n: number, p: number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / q);
  const m = Math.floor((n + 1) * p);
  const h = lgammaNumber(m + 1) + lgammaNumber(n - m + 1);
  for (;;) {
    const u = s.uniform() - 0.5;
    let v = s.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = (v * alpha) / (a / (us * us) + b);
    if (Math.log(v) <= h - lgammaNumber(k + 1) - lgammaNumber(n - k + 1) + (k - m) * lpq) return k;
  }
}
