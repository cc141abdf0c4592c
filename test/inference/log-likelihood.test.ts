import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { elbo } from '../../src/inference/elbo.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import { logLikelihood } from '../../src/inference/log-likelihood.js';
import { clearParamStore, getParamStore, plate, RouletteError } from '../../src/index.js';
import { exactLogMarginal, linearGaussian, setParams, type LgParams } from '../helpers/linear-gaussian.js';

afterAll(() => clearParamStore());

describe('logLikelihood', () => {
  const X = [
    [0.5, 1.5],
    [2.0, -0.3],
    [1.1, 0.9],
  ];
  const P: LgParams = { theta: [1.0, 0.6], a: [0.4, 0.6], b: [0.6, 0.2] };
  const x = tf.tensor2d(X);
  const { model, guide } = linearGaussian(2);

  it('approaches the exact log p(x) per datapoint without leaking tensors', () => {
    gradients(model, guide, [x], { estimator: elbo(), seed: 0 });
    setParams(getParamStore(), P);
    const before = tf.memory().numTensors;
    const result = logLikelihood(model, guide, [x], { k: 2000, chunk: 150, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.perDatapoint).toHaveLength(3);
    X.forEach((xi, i) => {
      // IWAE-2000's bias on this model is far below 0.02 nats
      expect(Math.abs(result.perDatapoint[i]! - exactLogMarginal(xi, P))).toBeLessThan(0.02);
    });
  });

  it('gives the same numbers however the draws are chunked (chunks change only memory)', () => {
    const a = logLikelihood(model, guide, [x], { k: 1000, chunk: 1000, seed: 2 });
    const b = logLikelihood(model, guide, [x], { k: 1000, chunk: 7, seed: 2 });
    const c = logLikelihood(model, guide, [x], { k: 1000, chunk: 1000, seed: 3 });
    for (let i = 0; i < 3; i++) expect(b.perDatapoint[i]!).toBeCloseTo(a.perDatapoint[i]!, 4);
    expect(c.perDatapoint[0]).not.toBe(a.perDatapoint[0]); // a different seed differs
  });
});

describe('non-linear estimators and global latents', () => {
  const data = tf.tensor1d([0.3, -0.2, 1.4, 0.8, 0.1, 0.5]);
  const model = (): void => {
    const mu = sample('mu', normal(0, 1)); // a global latent
    plate('data', 6, (idx) => observe('x', normal(mu, 1), tf.gather(data, idx)), { subsample: 3 });
  };
  const guide = (): void => {
    sample('mu', normal(param('m', 0), 1));
  };

  it('iwae refuses to subsample, saying why', () => {
    try {
      gradients(model, guide, [], { estimator: iwae({ k: 3 }), seed: 0 });
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      expect((e as RouletteError).code).toBe('unsupported-model');
      expect((e as RouletteError).message).toMatch(/latent outside the subsampled data plate/);
    }
  });

  it('the elbo (linear in log w) is fine', () => {
    const r = gradients(model, guide, [], { estimator: elbo(), seed: 0 });
    expect(Number.isFinite(r.logMarginal)).toBe(true);
  });
});
