import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import type { Distribution } from '../../../src/dsl/distributions/index.js';
import * as bijections from '../../../src/runtime/bijections.js';
import { RouletteError } from '../../../src/runtime/errors.js';
import { ChunkedRandomSource, Stream } from '../../../src/runtime/rng.js';

/**
 * Sampling, reparameterised gradients, shapes and errors of halfNormal, cauchy, halfCauchy,
 * truncatedNormal and transformed. The laws' CDFs and moments come from the scipy table
 * (test/fixtures/distribution-reference.json; see distributions-reference.test.ts).
 */

type Encoded = number | 'inf' | '-inf';
const decode = (v: Encoded): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
interface DistCase {
  name: string;
  params: Record<string, Encoded>;
  quantiles: { p: number[]; x: Encoded[] };
  mean?: Encoded;
  variance?: Encoded;
}
const table = JSON.parse(readFileSync(new URL('../../fixtures/distribution-reference.json', import.meta.url), 'utf8')) as { distributions: DistCase[] };

const seeded = (seed: number | string): ChunkedRandomSource => ChunkedRandomSource.single(Stream.fromSeed(seed));
const params = (c: DistCase): Record<string, number> => Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decode(v)]));

function build(c: DistCase): Distribution {
  const p = params(c);
  switch (c.name) {
    case 'halfNormal':
      return dist.halfNormal(p['scale']!);
    case 'cauchy':
      return dist.cauchy(p['loc']!, p['scale']!);
    case 'halfCauchy':
      return dist.halfCauchy(p['scale']!);
    default:
      return dist.truncatedNormal(p['loc']!, p['scale']!, p['low']!, p['high']!);
  }
}

const N = 20000;

function draws(d: Distribution, seed: number | string, n = N): Float32Array {
  return tf.tidy(() => Float32Array.from(d.expand([n]).sample(seeded(seed)).dataSync()));
}

/**
 * The empirical CDF at scipy's quantiles x_p against p: each count of draws below x_p is
 * Binomial(n, p), so |F_n(x_p) - p| must stay within 4.5 standard errors sqrt(p (1 - p) / n) (13
 * points: a false alarm has probability below 1e-4). Returns the worst ratio for reporting.
 */
function cdfRatio(sample: Float32Array, c: DistCase): number {
  let worst = 0;
  c.quantiles.p.forEach((p, i) => {
    const q = decode(c.quantiles.x[i]!);
    let below = 0;
    for (const v of sample) if (v <= q) below++;
    const se = Math.sqrt((p * (1 - p)) / sample.length);
    worst = Math.max(worst, Math.abs(below / sample.length - p) / se);
  });
  return worst;
}

afterEach(() => dist.setValidation(false));

describe('draws follow the scipy CDF at 13 quantiles (20k draws, 4.5 standard errors each)', () => {
  table.distributions.forEach((c, i) => {
    it(`${c.name}(${Object.values(c.params).join(', ')})`, () => {
      const d = build(c);
      const sample = draws(d, `cdf ${i}`);
      expect(sample.every((v) => Number.isFinite(v))).toBe(true);
      expect(cdfRatio(sample, c)).toBeLessThanOrEqual(4.5);
      if (c.name === 'truncatedNormal') {
        const p = params(c);
        expect(sample.every((v) => v >= Math.fround(p['low']!) && v <= Math.fround(p['high']!)), 'every draw inside [low, high]').toBe(true);
      }
      if (c.mean !== undefined) {
        // The sample mean within 4 standard errors sqrt(var / n) of the closed form (scipy's mean).
        const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
        const se = Math.sqrt(decode(c.variance!) / sample.length);
        expect(Math.abs(mean - decode(c.mean)), `mean ${mean} vs ${decode(c.mean)} (se ${se})`).toBeLessThanOrEqual(4 * se);
      }
    });
  });

  it('the check can fail: a normal clamped at 3 is not a normal truncated to [3, inf)', () => {
    const c = table.distributions.find((d) => d.name === 'truncatedNormal' && d.params['low'] === 3)!;
    const clamped = tf.tidy(() => Float32Array.from(tf.maximum(dist.normal(0, 1).expand([N]).sample(seeded(1)), 3).dataSync()));
    expect(cdfRatio(clamped, c)).toBeGreaterThan(4.5);
    // Nor is a half-normal of the wrong scale (2 against the table's 2.5).
    const half = table.distributions.find((d) => d.name === 'halfNormal' && d.params['scale'] === 2.5)!;
    expect(cdfRatio(draws(dist.halfNormal(2), 2), half)).toBeGreaterThan(4.5);
  });

  it('the same seed gives the same draws; draws use the seeded stream', () => {
    const d = dist.truncatedNormal(0, 1, 3, Infinity).expand([5]);
    const a = tf.tidy(() => Array.from(d.sample(seeded(7)).dataSync()));
    const b = tf.tidy(() => Array.from(d.sample(seeded(7)).dataSync()));
    const c = tf.tidy(() => Array.from(d.sample(seeded(8)).dataSync()));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('far tails draw finite values inside the bounds (low = 30; high = -40)', () => {
    const upper = draws(dist.truncatedNormal(0, 1, 30, Infinity), 3, 2000);
    expect(upper.every((v) => v >= 30 && v < 31)).toBe(true);
    // E[X | X > a] = a + 1/a - 2/a^3 + ... (Mills ratio): 30.0333 at a = 30.
    const mean = upper.reduce((a, b) => a + b, 0) / upper.length;
    expect(Math.abs(mean - 30.0333)).toBeLessThan(4 * (1 / 30) / Math.sqrt(upper.length) + 1e-4);
    const lower = draws(dist.truncatedNormal(0, 1, -Infinity, -40), 4, 2000);
    expect(lower.every((v) => v <= -40 && v > -41)).toBe(true);
  });

  it('transformed(normal, exp) draws a log-normal, transformed(beta, affine) a shifted beta (moments, 4 se)', () => {
    const cases: Array<[Distribution, Distribution]> = [
      [dist.transformed(dist.normal(0.2, 0.5), bijections.exp), dist.lognormal(0.2, 0.5)],
      [dist.transformed(dist.beta(2, 3), bijections.affine(-1, 2)), dist.transformed(dist.beta(2, 3), bijections.affine(-1, 2))],
    ];
    cases.forEach(([d, reference], k) => {
      const sample = draws(d, `moments ${k}`);
      const [mu, v] = tf.tidy(() => [reference.mean().dataSync()[0]!, reference.variance().dataSync()[0]!]);
      const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
      expect(Math.abs(mean - mu), `case ${k}: ${mean} vs ${mu}`).toBeLessThanOrEqual(4 * Math.sqrt(v / sample.length));
    });
    // affine's closed-form moments: beta(2, 3) has mean 0.4 and variance 0.04, so -1 + 2 B has 0.6 - 1 and 0.16.
    const m = tf.tidy(() => [dist.transformed(dist.beta(2, 3), bijections.affine(-1, 2)).mean().dataSync()[0]!, dist.transformed(dist.beta(2, 3), bijections.affine(-1, 2)).variance().dataSync()[0]!]);
    expect(m[0]).toBeCloseTo(-0.2, 6);
    expect(m[1]).toBeCloseTo(0.16, 6);
  });
});

const M = 200;
const H = 1e-2;
const at = (p: tf.Tensor, i: number): tf.Tensor => tf.reshape(tf.slice(p, [i], [1]), []);

/**
 * d/dp of a Monte Carlo average over rsample draws with fixed uniforms, against central finite
 * differences of the same average (the same noise each time, so the quotient converges to the exact
 * derivative of the average).
 */
function expectPathwiseGradient(
  make: (p: tf.Tensor) => Distribution,
  p0: number[],
  f: (x: tf.Tensor) => tf.Tensor = (x) => tf.add(tf.sin(x), tf.mul(tf.square(x), 0.1)),
  tol = 2e-3,
): void {
  const objective = (p: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const d = make(p);
      const x = d.expand([M, ...d.batchShape]).rsample(seeded(11));
      return tf.mean(f(x)) as tf.Scalar;
    });
  const grad = tf.tidy(() => Array.from(tf.grad(objective)(tf.tensor1d(p0)).dataSync()));
  p0.forEach((_, i) => {
    const shifted = (delta: number): number => tf.tidy(() => objective(tf.tensor1d(p0.map((v, j) => (j === i ? v + delta : v)))).dataSync()[0]!);
    const fd = (shifted(H) - shifted(-H)) / (2 * H);
    expect(Math.abs(grad[i]! - fd), `param ${i}: autodiff ${grad[i]} vs finite difference ${fd}`).toBeLessThanOrEqual(tol * Math.abs(fd) + 2e-4);
  });
  expect(grad.some((g) => Math.abs(g) > 1e-3), 'a non-zero gradient').toBe(true);
}

describe('rsample gradients match finite differences', () => {
  it('halfNormal', () => expectPathwiseGradient((p) => dist.halfNormal(at(p, 0)), [1.3]));
  // A bounded test function for the Cauchy laws: with draws out to 1e4, a finite difference of sin(x) or
  // x^2 would measure its own curvature, not the gradient.
  it('cauchy', () => expectPathwiseGradient((p) => dist.cauchy(at(p, 0), at(p, 1)), [0.2, 0.4], tf.tanh));
  it('halfCauchy', () => expectPathwiseGradient((p) => dist.halfCauchy(at(p, 0)), [0.3], tf.tanh));
  it('truncatedNormal, both bounds finite (through loc, scale, low, high)', () =>
    expectPathwiseGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), at(p, 2), at(p, 3)), [0.3, 1.2, -1, 2]));
  it('truncatedNormal, upper tail (low = 3, high = Infinity)', () => expectPathwiseGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), 3, Infinity), [0.2, 0.9]));
  it('truncatedNormal, lower tail (low = -Infinity, high = -5)', () => expectPathwiseGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), -Infinity, -5), [0.1, 1.1]));
  it('truncatedNormal, positive prior (low = 0)', () => expectPathwiseGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), 0, Infinity), [1, 2]));
  it('transformed through exp and through affine with learnt loc and scale', () => {
    expectPathwiseGradient((p) => dist.transformed(dist.normal(at(p, 0), at(p, 1)), bijections.exp), [0.1, 0.3]);
    expectPathwiseGradient((p) => dist.transformed(dist.halfNormal(1), bijections.affine(at(p, 0), at(p, 1))), [0.5, -1.5]);
  });
});

describe('logProb gradients', () => {
  /** d logProb(x) / d(loc, scale) at fixed x against central differences (float32: h = 1e-2, O(h^2) error). */
  function expectLogProbGradient(make: (p: tf.Tensor) => Distribution, p0: number[], x: number): void {
    const f = (p: tf.Tensor): tf.Scalar => tf.tidy(() => tf.sum(make(p).logProb(tf.scalar(x))) as tf.Scalar);
    const grad = tf.tidy(() => Array.from(tf.grad(f)(tf.tensor1d(p0)).dataSync()));
    p0.forEach((_, i) => {
      const shifted = (delta: number): number => tf.tidy(() => f(tf.tensor1d(p0.map((v, j) => (j === i ? v + delta : v)))).dataSync()[0]!);
      const fd = (shifted(H) - shifted(-H)) / (2 * H);
      expect(Math.abs(grad[i]! - fd), `param ${i} at x = ${x}: ${grad[i]} vs ${fd}`).toBeLessThanOrEqual(3e-3 * Math.abs(fd) + 3e-3);
    });
  }

  it('truncatedNormal: through log Z in every regime (across 0, both tails, far tail)', () => {
    expectLogProbGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), -1, 2), [0.3, 1.2], 0.5);
    expectLogProbGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), 3, Infinity), [0.2, 0.9], 3.4);
    expectLogProbGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), -Infinity, -5), [0.1, 1.1], -5.2);
    expectLogProbGradient((p) => dist.truncatedNormal(at(p, 0), at(p, 1), 8, Infinity), [0, 1], 8.1);
  });

  it('halfNormal, cauchy, halfCauchy and transformed', () => {
    expectLogProbGradient((p) => dist.halfNormal(at(p, 0)), [1.3], 0.8);
    expectLogProbGradient((p) => dist.cauchy(at(p, 0), at(p, 1)), [0.2, 0.7], 1.5);
    expectLogProbGradient((p) => dist.halfCauchy(at(p, 0)), [2], 3);
    expectLogProbGradient((p) => dist.transformed(dist.normal(at(p, 0), at(p, 1)), bijections.sigmoid), [0.3, 0.8], 0.7);
  });

  it('the truncated normal log Z gradient is exact in the tail: d/dloc log p(x) at low = 8', () => {
    // For N(loc, 1) on [8, inf): d/dloc log p(x) = (x - loc) - phi(8 - loc) / Q(8 - loc); at loc = 0 the
    // inverse Mills ratio phi(8) / Q(8) = 8.121368 (scipy), so at x = 8.1 the derivative is -0.021368.
    const g = tf.tidy(() => tf.grad((loc: tf.Tensor) => tf.sum(dist.truncatedNormal(loc, 1, 8, Infinity).logProb(tf.scalar(8.1))))(tf.scalar(0)).dataSync()[0]!);
    expect(Math.abs(g - (8.1 - 8.121368))).toBeLessThan(2e-5);
  });

  it('no NaN gradients from infinite bounds or values outside the support', () => {
    const g = tf.tidy(() => {
      const f = (p: tf.Tensor): tf.Scalar =>
        tf.sum(dist.truncatedNormal(at(p, 0), at(p, 1), tf.tensor1d([-Infinity, 0, 3]), tf.tensor1d([Infinity, Infinity, 4])).logProb(tf.tensor1d([0.5, -1, 3.5]))) as tf.Scalar;
      return Array.from(tf.grad(f)(tf.tensor1d([0.2, 1.1])).dataSync());
    });
    expect(g.every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe('shapes and broadcasting', () => {
  it('parameters broadcast to the batch shape; logProb and draws follow it', () => {
    const d = dist.truncatedNormal(tf.tensor1d([0, 1, 2]), tf.tensor2d([[1], [2]]), 0, Infinity);
    expect(d.batchShape).toEqual([2, 3]);
    expect(d.sample(seeded(1)).shape).toEqual([2, 3]);
    expect(d.logProb(tf.scalar(1)).shape).toEqual([2, 3]);
    expect(d.expand([4, 2, 3]).rsample(seeded(1)).shape).toEqual([4, 2, 3]);
    expect(dist.halfNormal(tf.ones([5])).batchShape).toEqual([5]);
    expect(dist.cauchy(tf.zeros([2, 1]), tf.ones([3])).batchShape).toEqual([2, 3]);
    expect(dist.halfCauchy(tf.ones([2])).expand([3, 2]).sample(seeded(2)).shape).toEqual([3, 2]);
  });

  it('tensor bounds broadcast too, each element with its own truncation', () => {
    const d = dist.truncatedNormal(0, 1, tf.tensor1d([-1, 2, -Infinity]), tf.tensor1d([1, Infinity, -3]));
    const x = d.expand([2000, 3]).sample(seeded(3));
    const data = x.arraySync() as number[][];
    expect(data.every(([a, b, c]) => a! >= -1 && a! <= 1 && b! >= 2 && c! <= -3)).toBe(true);
  });

  it('transformed: the bijection broadcasts with the base; event dims sum the Jacobian', () => {
    const wide = dist.transformed(dist.normal(0, 1), bijections.affine(0, tf.tensor1d([1, 2, 3])));
    expect(wide.batchShape).toEqual([3]);
    // A 3-vector event: log p sums the three elementwise terms.
    const base = dist.normal(tf.zeros([3]), 1).toEvent(1);
    const vector = dist.transformed(base, bijections.exp);
    expect(vector.eventShape).toEqual([3]);
    const y = tf.tensor1d([0.5, 1, 2]);
    const joint = vector.logProb(y).dataSync()[0]!;
    const separate = tf.sum(dist.transformed(dist.normal(0, 1), bijections.exp).logProb(y)).dataSync()[0]!;
    expect(joint).toBeCloseTo(separate, 5);
    expect(vector.logProb(tf.tensor1d([0.5, -1, 2])).dataSync()[0]).toBe(-Infinity);
  });

  it('supports: halfNormal/halfCauchy positive (0 admitted), truncatedNormal by its bounds, transformed the image', () => {
    expect(dist.halfNormal(1).support.name).toBe('positive');
    expect(dist.halfNormal(1).logProb(tf.scalar(0)).dataSync()[0]).toBeCloseTo(0.5 * Math.log(2 / Math.PI), 6);
    expect(dist.halfCauchy(1).logProb(tf.scalar(-1e-3)).dataSync()[0]).toBe(-Infinity);
    expect(dist.truncatedNormal(0, 1, 0, Infinity).support.name).toBe('positive');
    expect(dist.truncatedNormal(0, 1, 1, Infinity).support.name).toBe('greaterThan');
    expect(dist.truncatedNormal(0, 1, -Infinity, 1).support.name).toBe('lessThan');
    expect(dist.truncatedNormal(0, 1, -1, 1).support.name).toBe('interval');
    expect(dist.truncatedNormal(0, 1, -Infinity, Infinity).support.name).toBe('real');
    expect(dist.transformed(dist.normal(0, 1), bijections.sigmoid).support.name).toBe('unitInterval');
    // exp of a half-normal lies in [1, inf): the image, not all of exp's codomain.
    const shifted = dist.transformed(dist.halfNormal(1), bijections.exp);
    expect(shifted.support.name).toBe('image');
    expect(Array.from(shifted.support.check(tf.tensor1d([0.5, 1.5])).dataSync())).toEqual([0, 1]);
    expect(shifted.logProb(tf.scalar(0.5)).dataSync()[0]).toBe(-Infinity);
  });
});

describe('errors', () => {
  function expectError(f: () => unknown, ...patterns: RegExp[]): void {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      for (const p of patterns) expect((e as Error).message).toMatch(p);
      return;
    }
    throw new Error('expected a RouletteError');
  }

  it('bad scales and bounds name the distribution and the argument', () => {
    expectError(() => dist.halfNormal(0), /halfNormal: scale must be positive/);
    expectError(() => dist.halfCauchy(-1), /halfCauchy: scale must be positive/);
    expectError(() => dist.cauchy(0, -2), /cauchy: scale must be positive/);
    expectError(() => dist.cauchy(NaN, 1), /cauchy: loc must be a finite number/);
    expectError(() => dist.truncatedNormal(0, 0, -1, 1), /truncatedNormal: scale must be positive/);
    expectError(() => dist.truncatedNormal(0, 1, 2, 1), /truncatedNormal: low must be less than high, got low = 2, high = 1/);
    expectError(() => dist.truncatedNormal(0, 1, 1, 1), /low must be less than high/);
    expectError(() => dist.truncatedNormal(0, 1, Infinity, tf.scalar(3)), /low = Infinity/);
    expectError(() => dist.truncatedNormal(0, 1, NaN, 1), /truncatedNormal: low must be a number or -Infinity\/Infinity/);
    dist.setValidation(true);
    expectError(() => dist.truncatedNormal(0, 1, tf.tensor1d([0, 2]), tf.tensor1d([1, 1])), /low must be less than high everywhere/);
    expectError(() => dist.halfNormal(tf.tensor1d([1, -1])), /halfNormal: scale must be positive and finite, got -1 at flat index 1/);
  });

  it('transformed and bijections reject what they cannot do', () => {
    expectError(() => dist.transformed(dist.poisson(3), bijections.exp), /transformed: the base poisson is discrete/);
    expectError(() => bijections.affine(0, 0), /affine: scale must be a finite non-zero number/);
    expectError(() => dist.transformed(dist.normal(tf.zeros([3]), 1).toEvent(1), bijections.affine(0, tf.ones([2]))), /do not broadcast/);
    expectError(() => dist.transformed(dist.normal(0, 1), bijections.exp).mean(), /no closed form/);
    expectError(() => dist.transformed(dist.bernoulli({ probs: 0.5 }), bijections.affine(0, 2)), /discrete/);
  });
});

describe('memory', () => {
  it('sample, rsample, logProb (plain and masked), mean and variance return their results and nothing else', () => {
    const laws = [
      dist.halfNormal(1.5),
      dist.cauchy(0, 2),
      dist.halfCauchy(1),
      dist.truncatedNormal(0.5, 1, 0, Infinity),
      dist.truncatedNormal(0, 1, -2, -1),
      dist.transformed(dist.normal(0, 1), bijections.compose(bijections.affine(1, 2), bijections.affine(0.5, -1))),
    ];
    for (const d of laws) {
      const before = tf.memory().numTensors;
      const x = d.expand([10]).rsample(seeded(1));
      const y = d.sample(seeded(2));
      const outside = tf.scalar(-3);
      const lp = [d.logProb(x), d.logProb(outside), d.mean(), d.variance()];
      expect(tf.memory().numTensors, d.name).toBe(before + 7);
      tf.dispose([x, y, outside, ...lp]);
      expect(tf.memory().numTensors, d.name).toBe(before);
    }
  });

  it('a reparameterised gradient through the truncated normal leaves no tensors behind', () => {
    const loc = tf.scalar(0.3);
    const step = (): void => {
      const g = tf.grad((l: tf.Tensor) => tf.sum(dist.truncatedNormal(l, 1, 3, Infinity).expand([4]).rsample(seeded(2))))(loc);
      g.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    loc.dispose();
  });
});
