import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { unbiasedRWS, varianceObjective } from '../../src/inference/guide-objectives.js';
import { mlrr } from '../../src/inference/mlrr.js';
import { mlss } from '../../src/inference/mlss.js';
import { adam } from '../../src/inference/optim.js';
import type { Problem } from '../../src/inference/program.js';
import { svi } from '../../src/inference/svi.js';
import { clearParamStore, getParamStore, Stream } from '../../src/runtime/index.js';
import { guideMean, linearGaussian, resetParams, type LgParams } from '../helpers/linear-gaussian.js';
import { expectUnbiased, summarise } from '../helpers/stats.js';
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

describe('unbiasedRWS', () => {
  it('its phi-gradient is unbiased for d KL(p(z | x) || q(z | x)) / d b', async () => {
    reset();
    // KL(p || q) with p = N(mu, 1/2 I), q = N(m, 2/3 I): d/dm_j = (m_j - mu_j) / (2/3), mu = (theta + x) / 2.
    const exact = X.reduce((acc, xi) => acc + (guideMean(xi, P)[0]! - (P.theta[0]! + xi[0]!) / 2) / (2 / 3), 0);
    const objective = unbiasedRWS(mlrr({ r: 0.6 }));
    const b = getParamStore().variable('b');
    const grads: number[] = [];
    const breathe = breather();
    for (let s = 0; s < 3000; s++) {
      // Long synchronous loops starve vitest's worker messages on a loaded machine: yield now and then.
      await breathe();
      tf.tidy(() => {
        const { grads: g } = tf.variableGrads(() => objective.surrogate(problem, Stream.fromSeed(`rws-${s}`), 'guide').loss, [b]);
        grads.push(g[b.name]!.dataSync()[0]!);
      });
    }
    expectUnbiased(grads, exact, 'unbiased RWS d/db_0');
  });

  it('is a guide objective only', () => {
    expect(() => unbiasedRWS(mlrr()).surrogate(problem, Stream.fromSeed(1), 'model')).toThrowError(/guide objective/);
  });
});

describe('varianceObjective', () => {
  it('training the guide with it lowers the variance of the estimator', () => {
    reset();
    const estimator = mlrr({ r: 0.6 });
    const variance = (): number => {
      const values: number[] = [];
      for (let s = 0; s < 400; s++) values.push(tf.tidy(() => tf.sum(estimator.estimate(problem, Stream.fromSeed(`v-${s}`)).perDatapoint).dataSync()[0]!));
      return summarise(values).variance;
    };
    const before = variance();
    const fit = svi(model, guide, { model: mlrr({ r: 0.6 }), guide: varianceObjective(mlrr({ r: 0.6 })), optimizer: adam({ lr: 0.02 }), seed: 5, clip: 50 });
    for (let i = 0; i < 300; i++) fit.step(x);
    const after = variance();
    // 400-draw variance estimates carry ~10% noise each: demand a reduction well beyond it.
    expect(after, `variance ${before} -> ${after}`).toBeLessThan(0.75 * before);
  });

  it('refuses a level too large to differentiate at once, naming it and the cap, instead of exhausting memory', () => {
    reset();
    // Start level 8: every step needs 2^9 = 512 draws for each of the 2 datapoints, 1,024 rows or more.
    const tight = varianceObjective(mlss({ r: 0.6, level: 8 }), { maxRows: 1000 });
    expect(() => tf.tidy(() => tight.surrogate(problem, Stream.fromSeed(1), 'guide').loss)).toThrowError(
      /varianceObjective\(mlss\): the level drawn \(K = \d+\) needs \d+ draws for each of 2 datapoints.*maxRows = 1000.*maxLevel/,
    );
    const roomy = varianceObjective(mlss({ r: 0.6, level: 8, maxLevel: 0 }), { maxRows: 1024 });
    expect(Number.isFinite(tf.tidy(() => roomy.surrogate(problem, Stream.fromSeed(1), 'guide').loss.dataSync()[0]!))).toBe(true);
    expect(() => varianceObjective(mlss(), { maxRows: 0 })).toThrowError(/maxRows must be an integer >= 1/);
  });
});
