import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { normal } from '../../../src/dsl/distributions/index.js';
import { sample } from '../../../src/dsl/primitives.js';
import { coupled, hmc, unbiasedMcmc } from '../../../src/inference/index.js';

/**
 * Coupled HMC (Heng & Jacob 2019) with the time-averaged estimator: unbiased for the mean of a
 * Gaussian target whose mass lies far from the chains' initial law, within 4 s.e. over many
 * independent pairs; the plain average over the same short window (a run shortened to no corrections)
 * fails the same test.
 */

const loc = tf.tensor1d([3, -1]);
const scale = tf.tensor1d([0.5, 2]);
const gaussian = (): void => {
  sample('x', normal(loc, scale).toEvent(1));
};
const exact = [3, -1];

describe('coupled HMC', () => {
  it('unbiased within 4 s.e. over 256 pairs; the uncorrected average over the same window is not', () => {
    const kernel = coupled(hmc({ stepSize: 0.25, steps: 4 }), { lag: 20, t0: 0, window: 3, mixture: 0.2, rwmScale: 0.05 });
    const est = unbiasedMcmc(gaussian, kernel, { pairs: 256, seed: 1 }).run();
    const x = est.sites[0]!;
    expect(est.meeting.capped).toBe(0);
    for (let e = 0; e < 2; e++) {
      expect(Math.abs(x.mean[e]! - exact[e]!), `x[${e}]: ${x.mean[e]} ± ${x.se[e]}`).toBeLessThan(4 * x.se[e]!);
    }
    const biased = [0, 1].some((e) => Math.abs(x.uncorrected.mean[e]! - exact[e]!) > 4 * x.uncorrected.se[e]!);
    expect(biased, JSON.stringify(x.uncorrected)).toBe(true);
    expect(est.meeting.mean).toBeGreaterThan(1);
    expect(est.meeting.times).toHaveLength(256);
  });

  it('keeps no tensors', () => {
    const run = unbiasedMcmc(gaussian, coupled(hmc({ stepSize: 0.25, steps: 2 }), { lag: 2, t0: 0, window: 2 }), { pairs: 4, seed: 0 });
    run.run();
    const before = tf.memory().numTensors;
    run.run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad input is an error naming it', () => {
    expect(() => coupled(hmc({ steps: 4 }))).toThrow(/needs a fixed stepSize/);
    expect(() => coupled(hmc({ stepSize: 0.1 }), { mixture: 0 })).toThrow(/mixture must lie in \(0, 1\]/);
    expect(() => coupled(hmc({ stepSize: 0.1 }), { lags: 2 } as never)).toThrow(/unknown option 'lags'/);
  });
});
