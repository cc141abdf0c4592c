import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbo } from '../../src/inference/elbo.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import type { Estimator } from '../../src/inference/estimator.js';
import { clearParamStore, getParamStore } from '../../src/runtime/index.js';
import {
  exactElbo,
  exactElboGrads,
  exactLogMarginal,
  linearGaussian,
  referenceIwae,
  setParams,
  type LgParams,
} from '../helpers/linear-gaussian.js';
import { expectUnbiased, isBiased, summarise } from '../helpers/stats.js';
import { breather } from '../helpers/event-loop.js';

const D = 3;
const X = [
  [1.2, 0.4, 2.1],
  [0.3, 1.8, 0.9],
  [2.0, 1.1, 0.2],
  [0.7, -0.4, 1.5],
];
// Near the optimum (theta = mean x, a = 1/2, b = mean x / 2), perturbed so gradients are not zero.
const P: LgParams = { theta: [1.2, 0.6, 1.0], a: [0.45, 0.6, 0.5], b: [0.7, 0.35, 0.5] };
const x = tf.tensor2d(X);
const { model, guide } = linearGaussian(D);
const REPS = 1500;

async function replicate(estimator: Estimator, reps: number, read: (r: ReturnType<typeof gradients>) => number[], vectorize = true): Promise<number[][]> {
  const out: number[][] = [];
  const breathe = breather();
  for (let s = 0; s < reps; s++) {
    // Long synchronous loops starve vitest's worker messages (RPC timeouts on a loaded machine): yield now and then.
    await breathe();
    tf.tidy(() => {
      const r = gradients(model, guide, [x], { estimator, seed: s, vectorize });
      out.push(read(r));
      for (const g of Object.values(r.grads)) g.dispose();
    });
  }
  return out;
}

const column = (rows: number[][], j: number): number[] => rows.map((r) => r[j]!);
const sumOver = (f: (xi: number[]) => number): number => X.reduce((acc, xi) => acc + f(xi), 0);

beforeAll(() => {
  gradients(model, guide, [x], { estimator: elbo(), seed: 0 }); // create the params
  setParams(getParamStore(), P);
});
afterAll(() => clearParamStore());

const read = (r: ReturnType<typeof gradients>): number[] => [
  r.logMarginal,
  r.grads['theta']!.dataSync()[0]!,
  r.grads['b']!.dataSync()[0]!,
  r.grads['a']!.dataSync()[0]!,
];

describe('elbo on the linear Gaussian model', () => {
  it('estimate and theta/phi gradients are unbiased for the closed forms', async () => {
    const r = await replicate(elbo(), REPS, read);
    expectUnbiased(column(r, 0), sumOver((xi) => exactElbo(xi, P)), 'ELBO');
    // loss = -ELBO: gradients are minus the ELBO's
    expectUnbiased(column(r, 1), -sumOver((xi) => exactElboGrads(xi, P).theta[0]!), 'd/dtheta_0');
    expectUnbiased(column(r, 2), -sumOver((xi) => exactElboGrads(xi, P).b[0]!), 'd/db_0');
    expectUnbiased(column(r, 3), -sumOver((xi) => exactElboGrads(xi, P).a[0]!), 'd/da_0');
  });

  // Unbiased, but not always lower-variance: near the posterior the Monte Carlo terms
  // log p(x | z) and log p(z) - log q(z) cancel, and the closed-form KL removes that cancellation.
  it('analytic KL gives the same expectation', async () => {
    const analytic = await replicate(elbo({ analyticKL: true }), 600, read);
    expectUnbiased(column(analytic, 0), sumOver((xi) => exactElbo(xi, P)), 'ELBO (analytic KL)');
    expectUnbiased(column(analytic, 2), -sumOver((xi) => exactElboGrads(xi, P).b[0]!), 'd/db_0 (analytic KL)');
    expectUnbiased(column(analytic, 1), -sumOver((xi) => exactElboGrads(xi, P).theta[0]!), 'd/dtheta_0 (analytic KL)');
  });
});

describe('iwae on the linear Gaussian model', () => {
  const K = 5;
  const reference = X.map((xi, i) => referenceIwae(xi, P, K, 40_000, 100 + i));
  const refMean = reference.reduce((acc, r) => acc + summarise(r.values).mean, 0);
  const refSe = Math.sqrt(reference.reduce((acc, r) => acc + summarise(r.values).se ** 2, 0));
  const refGrad = reference.reduce((acc, r) => acc + summarise(r.grads).mean, 0);
  const refGradSe = Math.sqrt(reference.reduce((acc, r) => acc + summarise(r.grads).se ** 2, 0));
  // The plain IWAE replicates three tests read, made once before them (each test runs on its own too).
  let plain: number[][];
  beforeAll(async () => {
    plain = await replicate(iwae({ k: K }), REPS, read);
  });

  it('bound and theta-gradient match an independent float64 simulation', () => {
    expectUnbiased(column(plain, 0), refMean, 'IWAE-5', 4, refSe);
    expectUnbiased(column(plain, 1), -refGrad, 'IWAE-5 d/dtheta_0', 4, refGradSe);
  });

  it('is detected as biased for log p(x), and lies between the ELBO and log p(x)', () => {
    const exact = sumOver((xi) => exactLogMarginal(xi, P));
    const values = column(plain, 0);
    expect(isBiased(values, exact)).toBe(true);
    expect(summarise(values).mean).toBeLessThan(exact);
    expect(summarise(values).mean).toBeGreaterThan(sumOver((xi) => exactElbo(xi, P)));
  });

  it('DReG phi-gradients have the plain IWAE mean and lower variance', async () => {
    const dreg = await replicate(iwae({ k: K, dreg: true }), REPS, read);
    for (const j of [2, 3]) {
      const a = summarise(column(plain, j));
      const b = summarise(column(dreg, j));
      const se = Math.sqrt(a.se ** 2 + b.se ** 2);
      expect(Math.abs(a.mean - b.mean), `component ${j}: ${a.mean} vs ${b.mean}`).toBeLessThan(4 * se);
      expect(b.variance).toBeLessThan(a.variance);
    }
    // the theta-gradient of DReG's model pass is the plain IWAE one
    expectUnbiased(column(dreg, 1), -refGrad, 'IWAE-DReG d/dtheta_0', 4, refGradSe);
  });
});

describe('vectorised and looped particles', () => {
  it.each([
    ['elbo', () => elbo({ particles: 3 })],
    ['iwae', () => iwae({ k: 4 })],
    ['iwae-dreg', () => iwae({ k: 4, dreg: true })],
  ])('%s gives the same numbers either way', async (_name, make) => {
    const a = await replicate(make(), 3, read, true);
    const b = await replicate(make(), 3, read, false);
    for (let i = 0; i < a.length; i++) for (let j = 0; j < 4; j++) expect(b[i]![j]!).toBeCloseTo(a[i]![j]!, 3);
  });
});

describe('minibatches', () => {
  it('the expected minibatch ELBO equals the full-data ELBO', async () => {
    const N = 8;
    const data = Array.from({ length: N }, (_, i) => [Math.sin(i), Math.cos(i), i / 4]);
    const sub = linearGaussian(D, { subsample: 3 });
    const xs = tf.tensor2d(data);
    const values: number[] = [];
    const breathe = breather();
    for (let s = 0; s < 3000; s++) {
      await breathe();
      tf.tidy(() => {
        const r = gradients(sub.model, sub.guide, [xs], { estimator: elbo({ analyticKL: true }), seed: s });
        values.push(r.logMarginal);
        for (const g of Object.values(r.grads)) g.dispose();
      });
    }
    expectUnbiased(values, data.reduce((acc, xi) => acc + exactElbo(xi, P), 0), 'minibatch ELBO');
    // and a subsample of 3 out of 8 is not the full data: a biased harness would notice the difference
    expect(isBiased(values, (3 / 8) * data.reduce((acc, xi) => acc + exactElbo(xi, P), 0))).toBe(true);
  });
});
