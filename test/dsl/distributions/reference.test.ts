import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import type { Distribution } from '../../../src/dsl/distributions/index.js';
import { erfcx, logNdtr, ndtriLog } from '../../../src/dsl/math/normal-cdf.js';
import * as bijections from '../../../src/runtime/bijections.js';
import type { Bijection } from '../../../src/runtime/bijections.js';
import { Stream, type RandomSource } from '../../../src/runtime/rng.js';

/**
 * The prior distributions against scipy 1.17 in float64: test/fixtures/distribution-reference.json,
 * written by scripts/reference/distributions.py (rerun it after changing a case; this test needs no
 * Python). References are computed at the float32 values of the inputs, so the differences below
 * measure only the float32 arithmetic.
 *
 * Tolerance: a float32 operation rounds with relative error 2^-24 = 6e-8. A log density is a sum of a
 * few terms (-z^2/2, -log scale, -log Z, ...), each the result of up to ~15 roundings, so its error is
 * bounded by about 15 * 6e-8 ~ 1e-6 times the largest term's magnitude M. We allow 2e-6 (1 + M). M is
 * |logpdf| itself except where terms cancel: the truncated normal far in a tail (at x = 20 truncated
 * to [20, inf), -z^2/2 = -200 and -log Z = +203.9 leave 3.0), where M = z^2/2 + |log Z| (log Z
 * recovered from the reference). A wrong variant fails by orders of magnitude more: see the last
 * describe block.
 */

type Encoded = number | 'inf' | '-inf';
const decode = (v: Encoded): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const decodeAll = (vs: readonly Encoded[]): number[] => vs.map(decode);

interface DistCase {
  name: string;
  params: Record<string, Encoded>;
  x: Encoded[];
  logpdf: Encoded[];
  cdf: Encoded[];
  quantiles: { p: number[]; x: Encoded[] };
  mean?: Encoded;
  variance?: Encoded;
}
interface BijectionSpec {
  name: string;
  loc?: number;
  scale?: number;
  parts?: BijectionSpec[];
}
interface TransformedCase {
  base: { name: string; params: Record<string, number> };
  bijection: BijectionSpec;
  x: Encoded[];
  logpdf: Encoded[];
  slope: Encoded[];
  source: string;
}
interface Table {
  scipy: string;
  distributions: DistCase[];
  transformed: TransformedCase[];
  special: Record<'log_ndtr' | 'ndtri_exp' | 'erfcx', { x: Encoded[]; value: Encoded[] }>;
  truncatedNormalQuantiles: Array<{ params: Record<string, Encoded>; u: number[]; x: Encoded[] }>;
}

const table = JSON.parse(readFileSync(new URL('../../fixtures/distribution-reference.json', import.meta.url), 'utf8')) as Table;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function build(name: string, p: Record<string, number>): Distribution {
  switch (name) {
    case 'halfNormal':
      return dist.halfNormal(p['scale']!);
    case 'cauchy':
      return dist.cauchy(p['loc']!, p['scale']!);
    case 'halfCauchy':
      return dist.halfCauchy(p['scale']!);
    case 'truncatedNormal':
      return dist.truncatedNormal(p['loc']!, p['scale']!, p['low']!, p['high']!);
    case 'normal':
      return dist.normal(p['loc']!, p['scale']!);
    case 'beta':
      return dist.beta(p['concentration1']!, p['concentration0']!);
    case 'exponential':
      return dist.exponential(p['rate']!);
    default:
      throw new Error(`no factory for ${name} in the reference test`);
  }
}

function bijection(spec: BijectionSpec): Bijection {
  switch (spec.name) {
    case 'affine':
      return bijections.affine(spec.loc!, spec.scale!);
    case 'compose':
      return bijections.compose(...spec.parts!.map(bijection));
    case 'exp':
    case 'sigmoid':
    case 'tanh':
    case 'softplus':
      return bijections[spec.name];
    default:
      throw new Error(`no bijection ${spec.name} in the reference test`);
  }
}

const params = (c: { params: Record<string, Encoded> }): Record<string, number> =>
  Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decode(v)]));

const label = (c: { name: string; params: Record<string, Encoded> }): string =>
  `${c.name}(${Object.values(c.params).join(', ')})`;

function evaluate(d: Distribution, xs: readonly number[]): number[] {
  return tf.tidy(() => Array.from(d.logProb(tf.tensor1d([...xs])).dataSync()));
}

/** The magnitude M of the largest terms summed into each log density (see the header). */
function magnitudes(c: DistCase, ref: readonly number[]): number[] {
  if (c.name !== 'truncatedNormal') return ref.map(Math.abs);
  const p = params(c);
  return decodeAll(c.x).map((x, i) => {
    const z = (x - p['loc']!) / p['scale']!;
    const logZ = -(ref[i]! + 0.5 * z * z + Math.log(p['scale']!) + LOG_SQRT_2PI);
    return 0.5 * z * z + Math.abs(logZ) + Math.abs(ref[i]!);
  });
}

function expectWithin(got: readonly number[], ref: readonly number[], m: readonly number[], what: string, rel = 2e-6): void {
  got.forEach((g, i) => {
    const r = ref[i]!;
    if (!Number.isFinite(r)) {
      expect(g, `${what} at index ${i}`).toBe(r);
      return;
    }
    const tol = rel * (1 + m[i]!);
    expect(Math.abs(g - r), `${what} at index ${i}: got ${g}, scipy ${r} (tolerance ${tol.toExponential(1)})`).toBeLessThanOrEqual(tol);
  });
}

describe(`log densities against scipy ${table.scipy}`, () => {
  for (const c of table.distributions) {
    it(label(c), () => {
      const ref = decodeAll(c.logpdf);
      expectWithin(evaluate(build(c.name, params(c)), decodeAll(c.x)), ref, magnitudes(c, ref), label(c));
    });
  }
});

describe('moments against scipy', () => {
  for (const c of table.distributions.filter((d) => d.mean !== undefined)) {
    it(label(c), () => {
      const d = build(c.name, params(c));
      const [mean, variance] = tf.tidy(() => [d.mean().dataSync()[0]!, d.variance().dataSync()[0]!]);
      const m = decode(c.mean!);
      const v = decode(c.variance!);
      // The mean is a sum of terms of size about |loc| + scale (|alpha| + 1); float32 keeps 1e-6 of them.
      const p = params(c);
      const scale = p['scale']!;
      const size = Math.abs(p['loc'] ?? 0) + scale * (1 + Math.abs(Number.isFinite(p['low'] ?? -Infinity) ? (p['low']! - (p['loc'] ?? 0)) / scale : 0));
      expect(Math.abs(mean - m), `${label(c)} mean ${mean} vs ${m}`).toBeLessThanOrEqual(2e-6 * (1 + size));
      // One-sided truncations (and the half-normal): relative 1e-6, in the far tails too (the fitted series
      // are accurate to 1e-8). Two-sided ones use the closed form, which subtracts squares of terms of that
      // size: 1e-5 of their size squared (docs/distributions.md says where that loses relative precision).
      const oneSided = c.name !== 'truncatedNormal' || !Number.isFinite(p['low']!) || !Number.isFinite(p['high']!);
      const tol = oneSided ? 1e-6 * v : 1e-5 * (scale * scale + size * size);
      expect(Math.abs(variance - v), `${label(c)} variance ${variance} vs ${v}`).toBeLessThanOrEqual(tol);
    });
  }

  it('cauchy has no mean or variance (NaN); halfCauchy has infinite ones', () => {
    tf.tidy(() => {
      expect(dist.cauchy(0, 1).mean().dataSync()[0]).toBeNaN();
      expect(dist.cauchy(0, 1).variance().dataSync()[0]).toBeNaN();
      expect(dist.halfCauchy(2).mean().dataSync()[0]).toBe(Infinity);
    });
  });
});

describe('transformed distributions against scipy (or float64 change of variables)', () => {
  for (const c of table.transformed) {
    const name = `${c.bijection.name} of ${c.base.name}(${Object.values(c.base.params).join(', ')}) [${c.source}]`;
    it(name, () => {
      const d = dist.transformed(build(c.base.name, c.base.params), bijection(c.bijection));
      const ref = decodeAll(c.logpdf);
      const ys = decodeAll(c.x);
      const slope = decodeAll(c.slope);
      // The change of variables adds log |det J| (about |log y| for exp) to the base's log density, and
      // the inverse map rounds its intermediates (of size up to 1 + |y|, by 2^-24 at each of ~2 steps),
      // which moves the point by 1.2e-7 (1 + |y|) and the log density by that times its slope.
      const m = ys.map((y, i) => Math.abs(ref[i]!) + Math.abs(Math.log(Math.abs(y) + 1e-300)));
      const moved = ys.map((y, i) => 1.2e-7 * (1 + Math.abs(y)) * Math.abs(slope[i]!));
      expectWithin(evaluate(d, ys), ref, m.map((v, i) => v + moved[i]! / 2e-6), name);
    });
  }
});

describe('normal CDF functions against scipy.special', () => {
  const run = (f: (x: tf.Tensor) => tf.Tensor, xs: readonly number[]): number[] => tf.tidy(() => Array.from(f(tf.tensor1d([...xs])).dataSync()));

  it('log_ndtr: relative error below 1e-6 from x = -40 to 20', () => {
    const { x, value } = table.special.log_ndtr;
    const ref = decodeAll(value);
    // log Phi(x) ~ -1e-23 at x = 10: relative, not absolute, accuracy is what matters in the right tail,
    // down to float32's smallest subnormal (log Phi(20) = -2.8e-89 is 0 in float32).
    run(logNdtr, decodeAll(x)).forEach((g, i) =>
      expect(Math.abs(g - ref[i]!), `log_ndtr(${String(x[i])}): ${g} vs ${ref[i]}`).toBeLessThanOrEqual(Math.max(1e-6 * Math.abs(ref[i]!), 1.5e-45)),
    );
  });

  it('ndtri_exp: from log p = -1e4 to -1e-6', () => {
    const { x, value } = table.special.ndtri_exp;
    const ref = decodeAll(value);
    // dx/dl = Phi(x) / phi(x): l carries float32 rounding 6e-8 |l| into x; allow that plus 1e-6 (1 + |x|).
    run(ndtriLog, decodeAll(x)).forEach((g, i) => {
      const l = decode(x[i]!);
      const slope = Math.exp(l + 0.5 * ref[i]! ** 2 + LOG_SQRT_2PI);
      const tol = 1e-6 * (1 + Math.abs(ref[i]!)) + 6e-8 * Math.abs(l) * slope;
      expect(Math.abs(g - ref[i]!), `ndtri_exp(${l}): ${g} vs ${ref[i]}`).toBeLessThanOrEqual(tol);
    });
  });

  it('erfcx: relative error below 1e-6 from 0 to 1e4', () => {
    const { x, value } = table.special.erfcx;
    const ref = decodeAll(value);
    run(erfcx, decodeAll(x)).forEach((g, i) => expect(Math.abs(g / ref[i]! - 1), `erfcx(${String(x[i])}): ${g} vs ${ref[i]}`).toBeLessThanOrEqual(1e-6));
  });
});

/** A random source whose uniforms are the given numbers (to read the sampler's inverse CDF). */
function fixedUniforms(u: readonly number[]): RandomSource {
  return {
    uniform: (shape) => tf.tensor(u, [...shape]),
    normal: () => {
      throw new Error('the truncated normal sampler draws uniforms only');
    },
    fill: () => {
      throw new Error('not used');
    },
    shared: Stream.fromSeed(0),
  };
}

describe('truncatedNormal draws are its inverse CDF at the uniforms (scipy truncnorm.ppf)', () => {
  for (const c of table.truncatedNormalQuantiles) {
    it(`truncatedNormal(${Object.values(c.params).join(', ')})`, () => {
      const p = params(c);
      const d = dist.truncatedNormal(p['loc']!, p['scale']!, p['low']!, p['high']!).expand([c.u.length]);
      const got = tf.tidy(() => Array.from(d.sample(fixedUniforms(c.u)).dataSync()));
      const ref = decodeAll(c.x);
      got.forEach((g, i) => {
        // x = loc + scale z: float32 keeps z to about 1e-6 (1 + |z|) (the Newton steps' residual), scaled by scale.
        const tol = 1e-6 * (Math.abs(p['loc']!) + p['scale']! * (1 + Math.abs(ref[i]!)));
        expect(Math.abs(g - ref[i]!), `u = ${c.u[i]}: ${g} vs ${ref[i]}`).toBeLessThanOrEqual(tol);
      });
    });
  }
});

describe('the tolerances can fail', () => {
  it('a truncated normal that forgets log Z, or computes it as log(Phi(b) - Phi(a)) naively, is caught', () => {
    const c = table.distributions.find((d) => d.name === 'truncatedNormal' && d.params['low'] === 8)!;
    const ref = decodeAll(c.logpdf);
    const xs = decodeAll(c.x);
    const m = magnitudes(c, ref);
    // Without the normaliser: the untruncated normal's density.
    const untruncated = evaluate(dist.normal(0, 1), xs);
    expect(() => expectWithin(untruncated, ref, m, 'untruncated')).toThrow();
    // log(1 - Phi(8)) in float32 through tfjs's erf: 1 - erf underflows, log Z = -Infinity.
    const naive = tf.tidy(() => {
      const tail = tf.sub(1, tf.mul(tf.add(1, tf.erf(tf.scalar(8 / Math.SQRT2))), 0.5));
      return tf.log(tail).dataSync()[0]!;
    });
    expect(naive).toBe(-Infinity);
  });

  it('the closed-form variance 1 + a lambda - lambda^2 in float32 misses at a = 20; the fitted series does not', () => {
    const c = table.distributions.find((d) => d.name === 'truncatedNormal' && d.params['low'] === 20)!;
    const v = decode(c.variance!);
    const naive = tf.tidy(() => {
      // lambda = phi(20) / Q(20) from the exact log tail, then the textbook formula.
      const lambda = tf.exp(tf.sub(tf.scalar(-200 - LOG_SQRT_2PI), logNdtr(tf.scalar(-20))));
      return tf.sub(tf.add(1, tf.mul(lambda, 20)), tf.square(lambda)).dataSync()[0]!;
    });
    expect(Math.abs(naive - v)).toBeGreaterThan(1e-6 * v * 1000);
    const fitted = tf.tidy(() => dist.truncatedNormal(0, 1, 20, Infinity).variance().dataSync()[0]!);
    expect(Math.abs(fitted - v)).toBeLessThanOrEqual(1e-6 * v);
  });

  it('a half-normal without the factor 2 (the plain normal on x >= 0) is off by log 2', () => {
    const c = table.distributions.find((d) => d.name === 'halfNormal')!;
    const ref = decodeAll(c.logpdf);
    const xs = decodeAll(c.x).filter((x) => x >= 0);
    const wrong = evaluate(dist.normal(0, params(c)['scale']!), xs);
    expect(() => expectWithin(wrong, ref.slice(0, xs.length), ref.map(Math.abs), 'normal for halfNormal')).toThrow();
  });
});
