import { expect } from 'vitest';

export interface Summary {
  readonly mean: number;
  readonly variance: number;
  /** Standard error of the mean. */
  readonly se: number;
  readonly n: number;
}

export function summarise(xs: ArrayLike<number>): Summary {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - mean) ** 2;
  const variance = ss / (n - 1);
  return { mean, variance, se: Math.sqrt(variance / n), n };
}

/** Float32 rounding: a deterministic estimate (s.e. 0) still differs from the float64 value by this much. */
const float32Slack = (exact: number): number => 2e-6 * Math.max(1, Math.abs(exact));

/**
 * |mean - exact| < z * s.e. (plus `refSe` for a Monte Carlo reference, and float32 rounding), with a
 * useful message.
 */
export function expectUnbiased(xs: ArrayLike<number>, exact: number, label: string, z = 4, refSe = 0): Summary {
  const s = summarise(xs);
  const se = Math.sqrt(s.se ** 2 + refSe ** 2);
  const gap = Math.abs(s.mean - exact);
  expect(gap, `${label}: mean ${s.mean} vs exact ${exact}, ${(gap / se).toFixed(2)} s.e. (s.e. ${se})`).toBeLessThan(z * se + float32Slack(exact));
  return s;
}

/** Is the mean more than z standard errors away from `exact`? (for tests that must detect bias) */
export function isBiased(xs: ArrayLike<number>, exact: number, z = 4, refSe = 0): boolean {
  const s = summarise(xs);
  return Math.abs(s.mean - exact) > z * Math.sqrt(s.se ** 2 + refSe ** 2);
}
