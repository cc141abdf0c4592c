import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { bernoulli, beta, gamma, normal, poisson } from '../../../src/dsl/distributions/index.js';
import { observe, sample } from '../../../src/dsl/primitives.js';
import { autoGuide } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import { predictive } from '../../../src/inference/predictive.js';
import { clearParamStore, getParamStore, plate } from '../../../src/index.js';
import { fit } from './helpers.js';

afterEach(() => clearParamStore());

/** Conjugate models with their exact posterior (mean, sd) and mode. */
const xsNormal = tf.tensor1d([2.1, 1.4, 3.0, 2.6, 1.9, 2.4, 2.2, 3.1, 1.7, 2.5]);
const normalNormal = {
  name: 'normal-normal',
  site: 'mu',
  model: (x: tf.Tensor): void => {
    const mu = sample('mu', normal(0, 2));
    plate('data', x.shape[0]!, () => observe('x', normal(mu, 1), x));
  },
  data: xsNormal,
  // precision 1/4 + N, mean = sum x / precision
  exact: (() => {
    const prec = 0.25 + 10;
    const sum = Array.from(xsNormal.dataSync()).reduce((a, b) => a + b, 0);
    return { mean: sum / prec, sd: Math.sqrt(1 / prec), mode: sum / prec };
  })(),
};

const flips = tf.tensor1d([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0]);
const betaBernoulli = {
  name: 'beta-bernoulli',
  site: 'p',
  model: (x: tf.Tensor): void => {
    const p = sample('p', beta(2, 2));
    plate('data', x.shape[0]!, () => observe('x', bernoulli({ probs: p }), x));
  },
  data: flips,
  // Beta(2 + 9, 2 + 21)
  exact: (() => {
    const [a, b] = [11, 23];
    return { mean: a / (a + b), sd: Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1))), mode: (a - 1) / (a + b - 2) };
  })(),
};

const counts = tf.tensor1d([4, 2, 5, 3, 6, 4, 3, 5, 2, 4, 3, 4]);
const gammaPoisson = {
  name: 'gamma-poisson',
  site: 'rate',
  model: (x: tf.Tensor): void => {
    const rate = sample('rate', gamma(3, 1));
    plate('data', x.shape[0]!, () => observe('x', poisson(rate), x));
  },
  data: counts,
  // Gamma(3 + 45, 1 + 12)
  exact: { mean: 48 / 13, sd: Math.sqrt(48) / 13, mode: 47 / 13 },
};

const models = [normalNormal, betaBernoulli, gammaPoisson];
const names = models.map((m) => m.name);
const byName = (name: string): (typeof models)[number] => models.find((m) => m.name === name)!;

describe("the 'normal' autoguide on conjugate models", () => {
  it.each(names)('%s: posterior mean within 3% and sd within 10% (guide sampled through its transform)', (name) => {
    const m = byName(name);
    const guide = autoGuide(m.model, { family: 'normal' });
    fit(m.model, guide, [m.data], { steps: 300, estimator: elbo({ particles: 8 }), lr: 0.05, average: 0.3 });
    const draws = predictive(m.model, { guide, numSamples: 20000, returnSites: [m.site], seed: 7 })(m.data)[m.site]!;
    const { mean, variance } = tf.moments(draws);
    const [qMean, qSd] = [mean.dataSync()[0]!, Math.sqrt(variance.dataSync()[0]!)];
    expect(Math.abs(qMean - m.exact.mean) / m.exact.mean, `mean ${qMean} vs ${m.exact.mean}`).toBeLessThan(0.03);
    expect(Math.abs(qSd - m.exact.sd) / m.exact.sd, `sd ${qSd} vs ${m.exact.sd}`).toBeLessThan(0.1);
    if (m === normalNormal) {
      // On real space the guide is the normal N(loc, scale^2) itself: compare its params too.
      const loc = getParamStore().variable('auto.loc.mu').dataSync()[0]!;
      const scale = Math.exp(getParamStore().variable('auto.scale.mu').dataSync()[0]!);
      expect(Math.abs(loc - m.exact.mean)).toBeLessThan(0.03 * m.exact.mean);
      expect(Math.abs(scale - m.exact.sd) / m.exact.sd).toBeLessThan(0.1);
    }
  });
});

describe("the 'delta' autoguide", () => {
  it.each(names)('%s: finds the exact MAP (the posterior mode in the support)', (name) => {
    const m = byName(name);
    const guide = autoGuide(m.model, { family: 'delta' });
    fit(m.model, guide, [m.data], { steps: 300, estimator: elbo(), lr: 0.05 });
    const map = guide.median()[m.site]!.dataSync()[0]!;
    expect(Math.abs(map - m.exact.mode), `MAP ${map} vs exact ${m.exact.mode}`).toBeLessThan(1e-3 * Math.max(1, m.exact.mode));
  });
});
