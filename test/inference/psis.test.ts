import { describe, expect, it } from 'vitest';
import { fitGeneralizedPareto, khatThreshold, paretoSmooth, tailLength } from '../../src/inference/psis.js';
import { siteMoments, weightedQuantile } from '../../src/inference/weighted-moments.js';
import { Stream } from '../../src/runtime/rng.js';
import { expectUnbiased, isBiased, summarise } from '../helpers/stats.js';

/**
 * PSIS (Vehtari et al. 2024) on weights whose tail is known: k-hat over seeded replicates against the
 * tail shape, smoothing's effect on an estimate, and the weighted moments it feeds.
 */

const S = 4000;
const REPLICATES = 40;

/** k-hat of S log ratios drawn by `draw`, over seeded replicates. */
function khats(label: string, draw: (stream: Stream) => number): number[] {
  return Array.from({ length: REPLICATES }, (_, r) => {
    const stream = Stream.fromSeed(`${label}-${r}`);
    return paretoSmooth(Array.from({ length: S }, () => draw(stream))).k;
  });
}

/** Pareto ratios with tail index 1 / k: w = U^(-k), so log w = -k log U; above any threshold their exceedances are exactly GPD(k). */
const paretoLogRatio = (k: number) => (stream: Stream) => -k * Math.log(stream.uniform());

describe('Pareto k-hat', () => {
  const m = tailLength(S);
  // The weakly informative prior shrinks the fit towards 1/2 with weight 10 / (M + 10).
  const expected = (k: number): number => (m * k + 5) / (m + 10);

  it('recovers the shape of exactly Pareto-distributed weights (k = 0.5 and 0.9), within 3 s.e. over replicates', () => {
    expect(m).toBe(190); // min(0.2 * 4000, 3 sqrt 4000) rounded up
    const half = khats('pareto-0.5', paretoLogRatio(0.5));
    const heavy = khats('pareto-0.9', paretoLogRatio(0.9));
    expectUnbiased(half, expected(0.5), 'k-hat, k = 0.5', 3);
    expectUnbiased(heavy, expected(0.9), 'k-hat, k = 0.9', 3);
    // The test can fail: each set of estimates is far from the other shape.
    expect(isBiased(half, expected(0.9), 3)).toBe(true);
    expect(isBiased(heavy, expected(0.5), 3)).toBe(true);
    // And its spread is what a tail of 190 gives (asymptotic sd of the estimator about (1 + k) / sqrt(M)).
    expect(Math.sqrt(summarise(heavy).variance)).toBeLessThan((2 * (1 + 0.9)) / Math.sqrt(m));
  });

  it('is negative when the proposal is wider than the target (bounded weights): N(0, 2^2) for N(0, 1)', () => {
    const wide = khats('wide', (stream) => {
      const x = 2 * stream.normal();
      return -0.5 * x * x + (0.5 * x * x) / 4;
    });
    // Bounded weights have a negative shape (-2 here: P(w > max - e) ~ sqrt(e)); every replicate finds one.
    expect(Math.max(...wide)).toBeLessThan(0);
  });

  it('flags a proposal narrower than a heavy-tailed target: N(0, 1) for Student-t(3) lies above 0.5', () => {
    // log w = log t3(x) - log N(x) grows like x^2 / 2: the weights have no finite variance (k tends to 1).
    const t3 = khats('t3', (stream) => {
      const x = stream.normal();
      return -2 * Math.log1p((x * x) / 3) + 0.5 * x * x;
    });
    expect(summarise(t3).mean - 3 * summarise(t3).se).toBeGreaterThan(0.5);
  });

  it('threshold and tail length follow the paper; too few draws give k = Infinity, a flat tail -Infinity', () => {
    expect(khatThreshold(4000)).toBe(0.7);
    expect(khatThreshold(100)).toBeCloseTo(0.5, 12);
    expect(tailLength(100)).toBe(20);
    expect(tailLength(10000)).toBe(300);
    expect(paretoSmooth([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).k).toBe(Infinity);
    const flat = paretoSmooth(new Array<number>(100).fill(-3));
    expect(flat.k).toBe(-Infinity);
    expect(flat.ess).toBeCloseTo(100, 8);
    expect(() => paretoSmooth([0, NaN, 1])).toThrow(/log ratio 1 is NaN/);
    expect(() => fitGeneralizedPareto([0, 0, 0])).toThrow(/all 0/);
  });
});

describe('Pareto smoothing', () => {
  it('keeps the order and the untouched ratios, caps the tail at the largest raw ratio, and normalises', () => {
    const stream = Stream.fromSeed('order');
    const raw = Array.from({ length: 1000 }, () => paretoLogRatio(0.8)(stream) + 50);
    const { logWeights, tail } = paretoSmooth(raw);
    const order = raw.map((_, i) => i).sort((a, b) => raw[a]! - raw[b]!);
    const sum = logWeights.reduce((a, lw) => a + Math.exp(lw), 0);
    expect(sum).toBeCloseTo(1, 12);
    const shift = logWeights[order[0]!]! - raw[order[0]!]!;
    for (let r = 0; r < 1000 - tail; r++) expect(logWeights[order[r]!]! - raw[order[r]!]!).toBeCloseTo(shift, 9);
    for (let r = 1; r < 1000; r++) expect(logWeights[order[r]!]!).toBeGreaterThanOrEqual(logWeights[order[r - 1]!]! - 1e-12);
    expect(logWeights[order[999]!]! - shift).toBeLessThanOrEqual(raw[order[999]!]! + 1e-9);
  });

  it('lowers the error of a self-normalised estimate with heavy-tailed weights (E x^2 = 1 under N(0, 1) from N(0, 0.6^2))', () => {
    const scale = 0.6;
    const psis: number[] = [];
    const plain: number[] = [];
    for (let r = 0; r < 60; r++) {
      const stream = Stream.fromSeed(`mse-${r}`);
      const x = Array.from({ length: S }, () => scale * stream.normal());
      const lw = x.map((v) => -0.5 * v * v + (0.5 * v * v) / (scale * scale));
      const smoothed = paretoSmooth(lw).logWeights;
      const top = Math.max(...lw);
      const total = lw.reduce((a, l) => a + Math.exp(l - top), 0);
      psis.push(x.reduce((a, v, i) => a + Math.exp(smoothed[i]!) * v * v, 0));
      plain.push(x.reduce((a, v, i) => a + (Math.exp(lw[i]! - top) / total) * v * v, 0));
    }
    const mse = (xs: number[]): number => xs.reduce((a, v) => a + (v - 1) ** 2, 0) / xs.length;
    expect(mse(psis)).toBeLessThan(0.75 * mse(plain));
  });
});

describe('weighted moments', () => {
  it('equal weights give the sample mean, sd, Hazen quantiles and sd / sqrt(S) errors; integer weights equal repeated draws', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    const s = x.length;
    const equal = new Float64Array(s).fill(1 / s);
    const m = siteMoments('x', [], x, s, () => equal, [0.5, 0.25]);
    const mean = x.reduce((a, b) => a + b) / s;
    const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / s);
    expect(m.mean[0]).toBeCloseTo(mean, 12);
    expect(m.sd[0]).toBeCloseTo(sd, 12);
    expect(m.mcseMean[0]).toBeCloseTo(sd / Math.sqrt(s), 12);
    // Sorted 1 1 2 3 4 5 6 9 at (i - 1/2) / 8: the median between 3 and 4, the quartile at 1.5.
    expect(m.quantiles[0]![0]).toBeCloseTo(3.5, 12);
    expect(m.quantiles[1]![0]).toBeCloseTo(1.5, 12);
    // Weights 2 and 1 are the draws repeated.
    const values = [0, 10, 20];
    const w = [0.5, 0.25, 0.25];
    const repeated = [0, 0, 10, 20];
    const quarter = new Float64Array(4).fill(0.25);
    // Above the doubled draw's mass (midpoints 5/8 and 7/8 in both forms) the interpolations coincide.
    for (const p of [0.7, 0.8, 0.9]) {
      expect(weightedQuantile(values, w, [0, 1, 2], p)).toBeCloseTo(weightedQuantile(repeated, quarter, [0, 1, 2, 3], p), 12);
    }
    expect(weightedQuantile(values, w, [0, 1, 2], 0.25)).toBe(0);
    const wm = siteMoments('v', [], values, 3, () => Float64Array.from(w), [0.5]);
    expect(wm.mean[0]).toBeCloseTo(7.5, 12);
    expect(wm.sd[0]).toBeCloseTo(Math.sqrt(0.5 * 56.25 + 0.25 * 6.25 + 0.25 * 156.25), 12);
  });
});
