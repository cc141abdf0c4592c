import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { clearParamStore, particles, plate, seed, trace } from '../../src/index.js';

describe('tensor ownership', () => {
  it('does not leak tensors across 1000 traced runs', () => {
    const x = tf.tensor1d([0.1, 0.4, -0.3]);
    const model = (): void => {
      const mu = sample('mu', normal(param('m', 0), param('s', 1, { constraint: 'positive' })));
      plate('data', 3, (idx) => observe('x', normal(mu, 1), tf.gather(x, idx)), { subsample: 2 });
    };
    const run = (i: number): void => {
      tf.tidy(() => {
        trace(seed(particles(model, 4), i)).getTrace().logProbSum();
      });
    };
    run(0); // first run creates the params
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 1000; i++) run(i);
    expect(tf.memory().numTensors).toBe(before);
    clearParamStore();
    x.dispose();
  });
});
