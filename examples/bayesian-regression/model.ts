import * as tf from '@tensorflow/tfjs';
import { dist, observe, param, plate, sample } from '../../src/index.js';

/**
 * Bayesian linear regression of model.ppl in TypeScript (the same sites and params): w ~ N(0, I),
 * b ~ N(0, 10^2), sigma ~ LogNormal(0, 1), y_n ~ N(X_n . w + b, sigma^2); a mean-field guide.
 */
export function bayesianRegression() {
  const model = (X: tf.Tensor, y: tf.Tensor): void => {
    const D = X.shape[1]!;
    const w = sample('w', dist.normal(tf.zeros([D]), 1).toEvent(1));
    const b = sample('b', dist.normal(0, 10));
    const sigma = sample('sigma', dist.lognormal(0, 1));
    plate('data', X.shape[0]!, () => {
      // X [N, D] . w: w is [D], or [K, 1, D] with particles (the 1 is the data plate's dim).
      const mean = tf.add(tf.sum(tf.mul(X, w), -1), b);
      observe('y', dist.normal(mean, sigma), y);
    });
  };
  const guide = (X: tf.Tensor): void => {
    const D = X.shape[1]!;
    sample('w', dist.normal(param('w_loc', tf.zeros([D])), param('w_scale', tf.fill([D], 0.1), { constraint: 'positive' })).toEvent(1));
    sample('b', dist.normal(param('b_loc', 0), param('b_scale', 0.1, { constraint: 'positive' })));
    sample('sigma', dist.lognormal(param('sigma_loc', 0), param('sigma_scale', 0.1, { constraint: 'positive' })));
  };
  return { model, guide };
}
