import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import { adam, schedules } from '../../src/inference/optim.js';
import type { Problem } from '../../src/inference/program.js';
import { rws } from '../../src/inference/rws.js';
import { svi } from '../../src/inference/svi.js';
import { clearParamStore, getParamStore, Stream } from '../../src/runtime/index.js';
import { guideMean, linearGaussian, resetParams, type LgParams } from '../helpers/linear-gaussian.js';
import { expectUnbiased, isBiased } from '../helpers/stats.js';
import { breather } from '../helpers/event-loop.js';

afterAll(() => clearParamStore());

const X = [
  [1.2, 0.4, 2.1],
  [0.3, 1.8, 0.9],
];
const P: LgParams = { theta: [1.1, 0.9, 0.8], a: [0.3, 0.7, 0.5], b: [0.9, 0.1, 0.6] };
const x = tf.tensor2d(X);
const { model, guide } = linearGaussian(3);
const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };

const reset = (): void => resetParams(model, guide, x, P);

/** d/db_0 of the guide surrogate's negated loss (the gradient estimate), one value per seed. */
async function guideGradients(estimator: ReturnType<typeof rws>, seeds: number): Promise<number[]> {
  const b = getParamStore().variable('b');
  const out: number[] = [];
  const breathe = breather();
  for (let s = 0; s < seeds; s++) {
    // Long synchronous loops starve vitest's worker messages on a loaded machine: yield now and then.
    await breathe();
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => estimator.surrogate(problem, Stream.fromSeed(`rws-${s}`), 'guide').loss, [b]);
      out.push(-grads[b.name]!.dataSync()[0]!);
    });
  }
  return out;
}

describe('rws', () => {
  it('the doubly reparameterised form has the score form\'s expectation, and IWAE-DReG\'s guide gradient does not', async () => {
    reset();
    const score = await guideGradients(rws({ k: 5 }), 3000);
    const dreg = await guideGradients(rws({ k: 5, dreg: true }), 3000);
    const iwaeDreg = await guideGradients(iwae({ k: 5, dreg: true }), 3000);
    // Same seeds draw the same particles: the paired differences cancel most of the noise.
    expectUnbiased(score.map((s, i) => s - dreg[i]!), 0, 'rws score - rws dreg, d/db_0');
    // The control: IWAE's guide gradient (weights wbar^2) estimates something else, and the test sees it.
    expect(isBiased(score.map((s, i) => s - iwaeDreg[i]!), 0)).toBe(true);
  });

  it('fits the guide mean to the posterior mean (the inclusive-KL optimum in this family)', () => {
    reset();
    const fit = svi(model, guide, { model: iwae({ k: 5 }), guide: rws({ k: 10, dreg: true }), train: 'guide', optimizer: adam({ lr: schedules.cosine(0.05, 2000, 0.002) }), seed: 3 });
    for (let i = 0; i < 2000; i++) fit.step(x);
    const store = getParamStore();
    const fitted: LgParams = { theta: P.theta, a: Array.from(store.variable('a').dataSync()), b: Array.from(store.variable('b').dataSync()) };
    X.forEach((xi, n) => {
      const m = guideMean(xi, fitted);
      xi.forEach((xj, j) => expect(m[j]!, `datapoint ${n}, dim ${j}`).toBeCloseTo((P.theta[j]! + xj) / 2, 1));
    });
    // theta was frozen (train: 'guide'): only the guide moved.
    expect(Array.from(store.variable('theta').dataSync())).toEqual(P.theta.map((t) => Math.fround(t)));
  });

  it('gives the IWAE gradient for the model (wake-theta)', () => {
    reset();
    const a = gradients(model, guide, [x], { model: rws({ k: 5 }), guide: rws({ k: 5 }), seed: 11 });
    const b = gradients(model, guide, [x], { model: iwae({ k: 5 }), guide: rws({ k: 5 }), seed: 11 });
    expect(Array.from(a.grads['theta']!.dataSync())).toEqual(Array.from(b.grads['theta']!.dataSync()));
    for (const g of [...Object.values(a.grads), ...Object.values(b.grads)]) g.dispose();
  });

  it('rejects k < 2, and the DReG form for a discrete guide site (naming it)', () => {
    expect(() => rws({ k: 1 })).toThrowError(/k must be an integer >= 2/);
    clearParamStore();
    const coinModel = (y: tf.Tensor): void => {
      const c = sample('c', bernoulli({ probs: 0.5 }));
      observe('y', normal(c, 1), y);
    };
    const coinGuide = (): void => {
      sample('c', bernoulli({ logits: param('logit', tf.scalar(0)) }));
    };
    const y = tf.scalar(0.7);
    expect(() => gradients(coinModel, coinGuide, [y], { model: iwae({ k: 4 }), guide: rws({ k: 4, dreg: true }), seed: 1 })).toThrowError(/'c' is not/);
    // The score form handles it.
    const { grads } = gradients(coinModel, coinGuide, [y], { model: iwae({ k: 4 }), guide: rws({ k: 4 }), seed: 1 });
    expect(Number.isFinite(grads['logit']!.dataSync()[0])).toBe(true);
    for (const g of Object.values(grads)) g.dispose();
    y.dispose();
  });
});
