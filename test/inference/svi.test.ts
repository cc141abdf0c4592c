import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { bernoulli, multivariateNormal, normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { elbo } from '../../src/inference/elbo.js';
import type { Estimator } from '../../src/inference/estimator.js';
import { iwae } from '../../src/inference/iwae.js';
import { adam, schedules, sgd } from '../../src/inference/optim.js';
import { svi } from '../../src/inference/svi.js';
import { clearParamStore, getParamStore, plate, RouletteError, Stream } from '../../src/index.js';
import { linearGaussian } from '../helpers/linear-gaussian.js';
import { breather } from '../helpers/event-loop.js';

afterEach(() => clearParamStore());

const valueOf = (name: string, f: (t: tf.Tensor) => tf.Tensor = (t) => t): number[] =>
  tf.tidy(() => Array.from(f(getParamStore().variable(name)).dataSync()));

describe('a Bernoulli latent (score-function gradients)', () => {
  // c ~ Bernoulli(0.3), x | c ~ N(2c - 1, 1), x = 0.4: P(c = 1 | x) in closed form.
  const prior = 0.3;
  const x = 0.4;
  const like = (c: number): number => Math.exp(-0.5 * (x - (2 * c - 1)) ** 2);
  const exact = (prior * like(1)) / (prior * like(1) + (1 - prior) * like(0));
  const model = (): void => {
    const c = sample('c', bernoulli({ probs: prior }));
    observe('x', normal(tf.sub(tf.mul(c, 2), 1), 1), x);
  };
  const guide = (): void => {
    sample('c', bernoulli({ logits: param('logit', 0) }));
  };

  // Iterates are noisy (the IWAE bound is flat near its optimum; one particle gives a noisy score
  // function), so each test judges the average of the later iterates (Polyak averaging).
  function averagedPosterior(estimator: Estimator, steps: number, optimizer: ReturnType<typeof adam>): number {
    const fit = svi(model, guide, { estimator, optimizer, seed: 3 });
    let sum = 0;
    const from = Math.ceil(steps / 2);
    for (let i = 0; i < steps; i++) {
      fit.step();
      if (i >= from) sum += valueOf('logit', tf.sigmoid)[0]!;
    }
    return sum / (steps - from);
  }

  it('elbo with one particle (running-average baseline) reaches the exact posterior within 0.02', () => {
    const q = averagedPosterior(elbo(), 3000, sgd({ lr: (t) => 4 / (t + 40) }));
    expect(Math.abs(q - exact), `q = ${q}, exact ${exact}`).toBeLessThan(0.02);
  });

  it.each([
    ['elbo (4 particles, leave-one-out baseline)', () => elbo({ particles: 4 })],
    ['iwae k=4 (VIMCO baselines)', () => iwae({ k: 4 })],
  ])('%s reaches the exact posterior within 0.02', (_name, make: () => Estimator) => {
    const q = averagedPosterior(make(), 2000, adam({ lr: schedules.cosine(0.05, 2000, 0.001) }));
    expect(Math.abs(q - exact), `q = ${q}, exact ${exact}`).toBeLessThan(0.02);
  });
});

describe('Bayesian linear regression (conjugate: exact Gaussian posterior)', () => {
  const N = 100;
  const sigma = 0.5;
  const s = Stream.fromSeed('regression');
  const rows = Array.from({ length: N }, () => {
    const u = s.normal();
    return [u, 0.6 * u + 0.8 * s.normal()]; // correlated inputs: a correlated posterior
  });
  const trueW = [1.5, -0.7];
  const ys = rows.map((r) => r[0]! * trueW[0]! + r[1]! * trueW[1]! + sigma * s.normal());
  const X = tf.tensor2d(rows);
  const y = tf.tensor1d(ys);

  // Exact posterior: precision = I + X^T X / sigma^2, mean = Sigma X^T y / sigma^2.
  const xtx = [0, 1].map((i) => [0, 1].map((j) => rows.reduce((acc, r) => acc + r[i]! * r[j]!, 0)));
  const xty = [0, 1].map((i) => rows.reduce((acc, r, n) => acc + r[i]! * ys[n]!, 0));
  const prec = [0, 1].map((i) => [0, 1].map((j) => (i === j ? 1 : 0) + xtx[i]![j]! / sigma ** 2));
  const det = prec[0]![0]! * prec[1]![1]! - prec[0]![1]! * prec[1]![0]!;
  const cov = [
    [prec[1]![1]! / det, -prec[0]![1]! / det],
    [-prec[1]![0]! / det, prec[0]![0]! / det],
  ];
  const mean = [0, 1].map((i) => (cov[i]![0]! * xty[0]! + cov[i]![1]! * xty[1]!) / sigma ** 2);

  const model = (): void => {
    const w = sample('w', normal(tf.zeros([2]), 1).toEvent(1));
    plate('data', N, () => {
      observe('y', normal(tf.sum(tf.mul(X, w), -1), sigma), y); // w: [2], or [K, 1, 2] with particles
    });
  };
  const guide = (): void => {
    const loc = param('loc', tf.zeros([2]));
    const scaleTril = param('scaleTril', tf.mul(tf.eye(2), 0.3), { constraint: 'lowerCholesky' });
    sample('w', multivariateNormal(loc, { scaleTril }));
  };

  it('SVI recovers the posterior mean within 0.05 and sd within 10%', () => {
    const steps = 2500;
    const fit = svi(model, guide, { estimator: elbo({ particles: 4 }), optimizer: adam({ lr: schedules.cosine(0.05, steps, 0.0005) }), seed: 1 });
    for (let i = 0; i < steps; i++) fit.step();
    const loc = valueOf('loc');
    const L = tf.tidy(() => {
      const l = param('scaleTril', undefined, { constraint: 'lowerCholesky' });
      return tf.matMul(l, l, false, true).arraySync() as number[][];
    });
    for (const i of [0, 1]) {
      expect(Math.abs(loc[i]! - mean[i]!), `mean ${i}: ${loc[i]} vs ${mean[i]}`).toBeLessThan(0.05);
      const sd = Math.sqrt(L[i]![i]!);
      const exactSd = Math.sqrt(cov[i]![i]!);
      expect(Math.abs(sd - exactSd) / exactSd, `sd ${i}: ${sd} vs ${exactSd}`).toBeLessThan(0.1);
    }
  });
});

describe('no tensor leaks', () => {
  const x = tf.tensor2d([
    [0.5, 1.0],
    [1.5, -0.5],
    [0.2, 0.3],
  ]);
  it.each([
    ['elbo', () => ({ estimator: elbo() })],
    ['elbo analytic KL', () => ({ estimator: elbo({ particles: 2, analyticKL: true }) })],
    ['iwae', () => ({ estimator: iwae({ k: 3 }) })],
    ['iwae dreg', () => ({ estimator: iwae({ k: 3, dreg: true }) })],
    ['model iwae / guide iwae-dreg', () => ({ model: iwae({ k: 3 }), guide: iwae({ k: 3, dreg: true }) })],
  ])('%s: tf.memory().numTensors is flat over 1000 SVI steps', async (_name, make) => {
    const { model, guide } = linearGaussian(2, { subsample: 2 });
    const fit = svi(model, guide, { ...make(), optimizer: adam({ lr: 0.01 }), seed: 2, clip: 100 });
    for (let i = 0; i < 10; i++) fit.step(x); // params and optimiser slots exist after these
    const before = tf.memory().numTensors;
    const breathe = breather();
    for (let i = 0; i < 1000; i++) {
      // Long synchronous loops starve vitest's worker messages on a loaded machine: yield now and then.
      await breathe();
      fit.step(x);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('non-finite values', () => {
  it('stop SVI with an error naming the site, without applying the update', () => {
    const model = (): void => {
      const z = sample('z', normal(0, 1));
      observe('x', normal(z, param('noise', 1)), 0.5); // unconstrained: a negative scale is possible
    };
    const guide = (): void => {
      sample('z', normal(param('m', 0), 1));
    };
    const fit = svi(model, guide, { estimator: elbo(), seed: 1 });
    fit.step();
    getParamStore().variable('noise').assign(tf.scalar(-1));
    const before = valueOf('m')[0];
    try {
      fit.step();
      throw new Error('expected a non-finite error');
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      expect((e as RouletteError).code).toBe('non-finite');
      // A param-made scale: the message says which parameter is out of range and how to constrain it.
      expect((e as RouletteError).message).toMatch(/site 'x' \(model, normal\): its scale is -1, not > 0\. The update was not applied\. .*constrain the param/);
    }
    expect(valueOf('m')[0]).toBe(before);
  });
});
