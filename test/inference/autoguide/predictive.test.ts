import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { normal } from '../../../src/dsl/distributions/index.js';
import { deterministic, observe, sample } from '../../../src/dsl/primitives.js';
import { autoGuide } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import { predictive } from '../../../src/inference/predictive.js';
import { clearParamStore, plate, RouletteError, Stream, trace } from '../../../src/index.js';
import { expectUnbiased, summarise } from '../../helpers/stats.js';
import { fit, regression } from './helpers.js';

afterEach(() => clearParamStore());

const r = regression();
const xNew = [
  [1.2, -0.4],
  [-0.5, 2.0],
  [0.3, 0.3],
];
const Xnew = tf.tensor2d(xNew);
const placeholder = tf.zeros([xNew.length]);

/** Exact posterior predictive of y at x: mean x.m, variance sigma^2 + x^T S x. */
const exact = xNew.map((x) => ({
  mean: x[0]! * r.postMean[0]! + x[1]! * r.postMean[1]!,
  variance: r.sigma ** 2 + x.reduce((acc, xi, i) => acc + x.reduce((a, xj, j) => a + xi * r.cov[i]![j]! * xj, 0), 0),
}));

/** Each test point's draws: mean within 4 s.e., variance within 4 s.e. of a sample variance. */
function checkPredictive(y: tf.Tensor, label: string): void {
  const s = y.shape[0]!;
  const columns = y.arraySync() as number[][];
  exact.forEach((e, j) => {
    const draws = columns.map((row) => row[j]!);
    expectUnbiased(draws, e.mean, `${label}: predictive mean at point ${j}`);
    const v = summarise(draws).variance;
    const seVariance = e.variance * Math.sqrt(2 / (s - 1));
    expect(Math.abs(v - e.variance), `${label}: predictive variance at point ${j}: ${v} vs ${e.variance}`).toBeLessThan(4 * seVariance);
  });
}

describe('predictive on Bayesian linear regression', () => {
  it('with exact posterior samples reproduces the exact predictive mean and variance (4 s.e.)', () => {
    const S = 4000;
    const stream = Stream.fromSeed('exact-posterior');
    // w = m + L e, L the Cholesky factor of the posterior covariance.
    const l00 = Math.sqrt(r.cov[0]![0]!);
    const l10 = r.cov[1]![0]! / l00;
    const l11 = Math.sqrt(r.cov[1]![1]! - l10 * l10);
    const w = Array.from({ length: S }, () => {
      const [e0, e1] = [stream.normal(), stream.normal()];
      return [r.postMean[0]! + l00 * e0, r.postMean[1]! + l10 * e0 + l11 * e1];
    });
    const { y } = predictive(r.model, { samples: { w: tf.tensor2d(w) }, returnSites: ['y'], seed: 1 })(Xnew, placeholder);
    expect(y!.shape).toEqual([S, xNew.length]);
    checkPredictive(y!, 'exact samples');
  });

  it("with a fitted 'multivariateNormal' autoguide reproduces it too (4 s.e.)", () => {
    const guide = autoGuide(r.model, { family: 'multivariateNormal' });
    fit(r.model, guide, [r.X, r.y], { steps: 400, estimator: elbo({ particles: 8 }), lr: 0.05, average: 0.3 });
    // New inputs: the guide keeps its sites (w) and the model draws y from its likelihood.
    const { y, w } = predictive(r.model, { guide, numSamples: 4000, returnSites: ['y', 'w'], seed: 2 })(Xnew, placeholder);
    expect(w!.shape).toEqual([4000, 2]);
    checkPredictive(y!, 'fitted guide');
  });

  it('without a guide draws from the prior predictive', () => {
    const S = 4000;
    const { y, w } = predictive(r.model, { numSamples: S, seed: 3 })(Xnew, placeholder);
    expect(w!.shape).toEqual([S, 2]);
    const columns = y!.arraySync() as number[][];
    xNew.forEach((x, j) => {
      const draws = columns.map((row) => row[j]!);
      expectUnbiased(draws, 0, `prior predictive mean at ${j}`);
      const variance = r.sigma ** 2 + x[0]! ** 2 + x[1]! ** 2;
      expect(Math.abs(summarise(draws).variance - variance)).toBeLessThan(4 * variance * Math.sqrt(2 / (S - 1)));
    });
  });
});

describe('predictive', () => {
  const model = (x: tf.Tensor): void => {
    const mu = sample('mu', normal(0, 1));
    plate('data', x.shape[0]!, () => {
      const z = sample('z', normal(mu, 1));
      deterministic('twice', tf.mul(z, 2));
      observe('x', normal(z, 0.5), x);
    });
  };
  const data = tf.tensor1d([0.3, -1.2, 2.0]);

  it('gives the same draws vectorised and one run per draw, with [S, ...site] shapes', () => {
    const guide = autoGuide(model, { family: 'normal' });
    const a = predictive(model, { guide, numSamples: 5, seed: 4 })(data);
    const b = predictive(model, { guide, numSamples: 5, seed: 4, vectorize: false })(data);
    expect(Object.keys(a).sort()).toEqual(['mu', 'twice', 'x', 'z']);
    expect(a['mu']!.shape).toEqual([5]);
    expect(a['z']!.shape).toEqual([5, 3]);
    for (const name of Object.keys(a)) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a[name]!, b[name]!))).dataSync()[0]!);
      expect(diff, name).toBeLessThan(1e-5);
    }
    // Deterministic sites follow the draws; observed sites are redrawn, not copied from the data.
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a['twice']!, tf.mul(a['z']!, 2)))).dataSync()[0]!)).toBeLessThan(1e-6);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a['x']!, data))).dataSync()[0]!)).toBeGreaterThan(0.01);
  });

  it('is reproducible by seed, hidden from outer handlers, and leaks no tensors', () => {
    const guide = autoGuide(model, { family: 'normal' });
    const run = predictive(model, { guide, numSamples: 10, seed: 5 });
    const first = run(data);
    const before = tf.memory().numTensors;
    const outer = trace(() => run(data)).getTrace();
    const second = outer.returnValue as Record<string, tf.Tensor>;
    expect(outer.siteList).toHaveLength(0);
    expect(Array.from(second['mu']!.dataSync())).toEqual(Array.from(first['mu']!.dataSync()));
    for (const t of Object.values(second)) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains bad options', () => {
    const guide = autoGuide(model, { family: 'normal' });
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof RouletteError ? `${e.code}: ${e.message}` : String(e);
      }
      return undefined;
    };
    expect(code(() => predictive(model, { guide })(data))).toMatch(/invalid-argument: predictive: numSamples/);
    expect(code(() => predictive(model, { guide, samples: { mu: tf.zeros([3]) } }))).toMatch(/not both/);
    expect(code(() => predictive(model, { guide, numSamples: 2, returnSites: ['nope'] })(data))).toMatch(/no site 'nope'/);
    expect(code(() => predictive(model, { samples: { mu: tf.zeros([3]), z: tf.zeros([4, 3]) } }))).toMatch(/same leading dim/);
  });
});
