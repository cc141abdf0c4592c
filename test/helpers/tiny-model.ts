import * as tf from '@tensorflow/tfjs';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { plate } from '../../src/index.js';

/** The bench's 3-site model: two latents and ten observations, with a mean-field normal guide. */
export const x10 = (): tf.Tensor1D => tf.tensor1d([0.3, -1.2, 0.8, 1.9, 0.1, -0.4, 1.1, 0.6, -0.9, 0.2]);

export const tinyModel = (data: tf.Tensor1D): void => {
  const mu = sample('mu', normal(0, 1));
  const logSigma = sample('logSigma', normal(0, 1));
  plate('data', data.shape[0], () => observe('x', normal(mu, tf.exp(logSigma)), data));
};

export const tinyGuide = (): void => {
  sample('mu', normal(param('mu.loc', 0), param('mu.scale', 1, { constraint: 'positive' })));
  sample('logSigma', normal(param('logSigma.loc', 0), param('logSigma.scale', 1, { constraint: 'positive' })));
};
