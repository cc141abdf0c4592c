import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import type { Estimator } from '../../src/inference/estimator.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import { mlrr } from '../../src/inference/mlrr.js';
import { mlss } from '../../src/inference/mlss.js';
import { multilevel } from '../../src/inference/multilevel.js';
import { adam } from '../../src/inference/optim.js';
import type { Problem } from '../../src/inference/program.js';
import { sumo } from '../../src/inference/sumo.js';
import { svi } from '../../src/inference/svi.js';
import { geometricLaw } from '../../src/inference/truncation.js';
import { clearParamStore, getParamStore, RouletteError, Stream } from '../../src/runtime/index.js';
import { exactLogMarginal, exactLogMarginalGradTheta, linearGaussian, resetParams, type LgParams } from '../helpers/linear-gaussian.js';
import { expectUnbiased, isBiased, summarise } from '../helpers/stats.js';
import { breather } from '../helpers/event-loop.js';

const D = 3;
const X = [
  [1.2, 0.4, 2.1],
  [0.3, 1.8, 0.9],
  [2.0, 1.1, 0.2],
];
// A guide away from the posterior, so that IWAE's bias is clearly visible.
const P: LgParams = { theta: [1.1, 0.9, 0.8], a: [0.3, 0.7, 0.5], b: [0.9, 0.1, 0.6] };
const x = tf.tensor2d(X);
const { model, guide } = linearGaussian(D);
const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };
const exactValue = X.reduce((acc, xi) => acc + exactLogMarginal(xi, P), 0);
// loss = -estimate, so the loss gradient is minus d log p(x) / d theta_0
const exactGrad = -X.reduce((acc, xi) => acc + exactLogMarginalGradTheta(xi, P)[0]!, 0);

beforeAll(() => resetParams(model, guide, x, P));
afterAll(() => clearParamStore());

/** Value and theta_0-gradient of the model-side surrogate over seeded replicates. */
async function replicate(estimator: Estimator, reps: number): Promise<{ values: number[]; grads: number[]; cost: number }> {
  const theta = getParamStore().variable('theta');
  const values: number[] = [];
  const grads: number[] = [];
  let cost = 0;
  const breathe = breather();
  for (let s = 0; s < reps; s++) {
    // Long synchronous loops starve vitest's worker messages (RPC timeouts on a loaded machine): yield now and then.
    await breathe();
    tf.tidy(() => {
      let objective = 0;
      const { grads: g } = tf.variableGrads(() => {
        const sur = estimator.surrogate(problem, Stream.fromSeed(`rep-${s}`), 'model');
        objective = sur.objective.dataSync()[0]!;
        cost += sur.cost;
        return sur.loss;
      }, [theta]);
      values.push(objective);
      grads.push(g[theta.name]!.dataSync()[0]!);
    });
  }
  return { values, grads, cost: cost / reps };
}

const REPS = 2000;

describe.each([
  ['ML-SS r=0.6 l=0', () => mlss({ r: 0.6 })],
  ['ML-SS r=0.7 l=1', () => mlss({ r: 0.7, level: 1 })],
  ['ML-RR r=0.6 l=0', () => mlrr({ r: 0.6 })],
  ['ML-RR r=0.7 l=1', () => mlrr({ r: 0.7, level: 1 })],
  ['ML-RR r=0.6 per datapoint, no reuse', () => mlrr({ r: 0.6, perDatapoint: true, reuse: false })],
  ['SUMO m=1', () => sumo({ m: 1 })],
  ['SUMO m=4', () => sumo({ m: 4 })],
])('%s on the linear Gaussian model', (_name, make) => {
  it('is unbiased for log p(x) and d log p(x) / d theta', async () => {
    const { values, grads } = await replicate(make(), REPS);
    expectUnbiased(values, exactValue, 'log p(x)');
    expectUnbiased(grads, exactGrad, 'd/dtheta_0');
  });
});

describe('the same harness', () => {
  it('flags IWAE at equal expected cost as biased', async () => {
    const cost = Math.round((0.6 * 2) / (1 - 2 * 0.4)); // ML r = 0.6, l = 0: 6 draws
    // IWAE's gradient bias here (about 0.04) needs more replicates than its value's bias to show.
    const { values, grads } = await replicate(iwae({ k: cost }), 3 * REPS);
    expect(isBiased(values, exactValue)).toBe(true);
    expect(summarise(values).mean).toBeLessThan(exactValue);
    expect(isBiased(grads, exactGrad)).toBe(true);
  });

  it('flags a Russian roulette that multiplies by P(K >= k) instead of dividing', async () => {
    // Identical to mlrr but for the one mistake published reimplementations made.
    const wrong = multilevel('mlrr-wrong', { r: 0.6 }, (law, k, level) => (k <= level ? law.tail(k) : 0));
    const { values } = await replicate(wrong, REPS);
    expect(isBiased(values, exactValue)).toBe(true);
  });
});

describe('costs', () => {
  it.each([
    [0.7, 1],
    [0.65, 0],
  ])('ML draws 2^(K+l+1) with mean r 2^(l+1) / (1 - 2(1-r)) (r = %s, l = %s), within 5%%', (r, l) => {
    const law = geometricLaw(r);
    const stream = Stream.fromSeed(`cost-${r}`);
    const n = 2_000_000;
    let total = 0;
    for (let i = 0; i < n; i++) total += 2 ** (law.sample(stream) + l + 1);
    const expected = (r * 2 ** (l + 1)) / (1 - 2 * (1 - r));
    expect(Math.abs(total / n - expected) / expected).toBeLessThan(0.05);
  });

  it('SUMO draws m + 1 + K with E[K] about 4.08', () => {
    const est = sumo({ m: 2 });
    expect(est.law.mean).toBeCloseTo(4.08, 2);
    const stream = Stream.fromSeed('sumo-cost');
    const n = 1_000_000;
    let total = 0;
    for (let i = 0; i < n; i++) total += est.drawsFor(est.law.sample(stream));
    expect(Math.abs(total / n - (2 + 1 + est.law.mean)) / (3 + est.law.mean)).toBeLessThan(0.05);
  });

  it('the samplers have exactly the tails the estimators divide by', () => {
    for (const law of [geometricLaw(0.6), geometricLaw(0.6, 3), sumo().law]) {
      const stream = Stream.fromSeed(law.name);
      const n = 400_000;
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const k = law.sample(stream);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      for (const k of [1, 2, 3, 5, 10, 79, 85]) {
        let atLeast = 0;
        for (const [v, c] of counts) if (v >= k) atLeast += c;
        const p = law.tail(k);
        expect(Math.abs(atLeast / n - p), `${law.name} P(K >= ${k})`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-12);
      }
    }
  });

  it('reports K, draws used and the estimate; a capped law says what it targets', () => {
    const est = mlrr({ r: 0.6, maxLevel: 2 });
    expect(est.target).toBe('IWAE with 8 draws');
    const e = tf.tidy(() => est.estimate(problem, Stream.fromSeed(1)).stats);
    expect(e['draws']).toBe(2 ** (e['K']! + 1));
    expect(e['targetDraws']).toBe(8);
  });

  it('refuses a level whose draws exceed the budget, with a message that says what to do', () => {
    const est = mlrr({ r: 0.6, maxDraws: 1 });
    try {
      tf.tidy(() => est.estimate(problem, Stream.fromSeed(1)).perDatapoint);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      expect((e as RouletteError).message).toMatch(/needs \d+ draws per datapoint, more than maxDraws = 1.*maxLevel/);
    }
  });
});

describe('memory', () => {
  it('a step too large to differentiate at once is chunked: the same gradient and estimate, seed for seed', () => {
    for (const make of [(chunkRows?: number) => mlrr({ r: 0.6, ...(chunkRows ? { chunkRows } : {}) }), (chunkRows?: number) => sumo({ m: 2, ...(chunkRows ? { chunkRows } : {}) })]) {
      for (let seed = 0; seed < 6; seed++) {
        const run = (chunkRows?: number) =>
          tf.tidy(() => {
            const r = gradients(model, guide, [x], { model: make(chunkRows), guide: iwae({ k: 2 }), seed });
            const out = { theta: Array.from(r.grads['theta']!.dataSync()), value: r.logMarginal, chunks: r.stats['chunks'] ?? 0 };
            for (const g of Object.values(r.grads)) g.dispose();
            return out;
          });
        const direct = run();
        const small = run(3); // 3 rows: every step of 3 datapoints is chunked, one particle at a time
        expect(direct.chunks).toBe(0);
        expect(small.chunks).toBeGreaterThan(0);
        expect(small.value).toBeCloseTo(direct.value, 3);
        small.theta.forEach((g, i) => expect(g).toBeCloseTo(direct.theta[i]!, 3));
      }
    }
  });
});

describe('training', () => {
  it.each([
    ['sumo', () => ({ estimator: sumo() })],
    ['mlss', () => ({ estimator: mlss({ r: 0.6 }) })],
    ['mlrr + iwae guide', () => ({ model: mlrr({ r: 0.6 }), guide: iwae({ k: 5 }) })],
  ])('%s: tf.memory().numTensors is flat over 1000 SVI steps', async (_name, make) => {
    const sub = linearGaussian(2);
    const xs = tf.tensor2d([
      [0.5, 1.0],
      [1.5, -0.5],
    ]);
    clearParamStore();
    const fit = svi(sub.model, sub.guide, { ...make(), optimizer: adam({ lr: 0.01 }), seed: 2, clip: 50 });
    for (let i = 0; i < 10; i++) fit.step(xs);
    const before = tf.memory().numTensors;
    const breathe = breather();
    for (let i = 0; i < 1000; i++) {
      await breathe();
      fit.step(xs);
    }
    expect(tf.memory().numTensors).toBe(before);
    resetParams(model, guide, x, P); // the 2-d params share names with the 3-d fixture's: restore the fixture
  });

  it('mlrr for the model and iwae for the guide just work with a discrete latent', () => {
    const discreteModel = (): void => {
      const c = sample('c', bernoulli({ logits: param('prior_logit', 0) }));
      observe('x', normal(tf.sub(tf.mul(c, 2), 1), 1), 0.4);
    };
    const discreteGuide = (): void => {
      sample('c', bernoulli({ logits: param('q_logit', 0) }));
    };
    const fit = svi(discreteModel, discreteGuide, { model: mlrr({ r: 0.6 }), guide: iwae({ k: 5 }), optimizer: adam({ lr: 0.05 }), seed: 4 });
    const estimates: number[] = [];
    for (let i = 0; i < 300; i++) estimates.push(fit.step().logMarginal);
    // log p(x) is maximised by the prior logit that makes x = 0.4 most likely: p(c = 1) -> 1 would give
    // log N(0.4; 1, 1), the best achievable; the estimates must move up towards it.
    const early = summarise(estimates.slice(0, 100)).mean;
    const late = summarise(estimates.slice(200)).mean;
    expect(late).toBeGreaterThan(early);
    expect(getParamStore().role('prior_logit')).toBe('model');
    expect(getParamStore().role('q_logit')).toBe('guide');
  });
});
