import * as tf from '@tensorflow/tfjs';
import { dist, observe, param, plate, sample } from '../../src/index.js';

/**
 * The linear Gaussian model of model.ppl in TypeScript (the same sites and params): z ~ N(theta, I),
 * x | z ~ N(z, I), guide q(z | x) = N(a x + b, 2/3 I). `subsample` draws minibatches in the data plate.
 */
export function linearGaussian(options: { readonly subsample?: number } = {}) {
  const plateOptions = options.subsample === undefined ? {} : { subsample: options.subsample };
  const model = (x: tf.Tensor): void => {
    const theta = param('theta', tf.zeros([x.shape[1]!]));
    plate(
      'data',
      x.shape[0]!,
      (idx) => {
        const z = sample('z', dist.normal(theta, 1).toEvent(1));
        observe('x', dist.normal(z, 1).toEvent(1), options.subsample === undefined ? x : tf.gather(x, idx));
      },
      plateOptions,
    );
  };
  const guide = (x: tf.Tensor): void => {
    const a = param('a', tf.fill([x.shape[1]!], 0.5));
    const b = param('b', tf.zeros([x.shape[1]!]));
    plate(
      'data',
      x.shape[0]!,
      (idx) => {
        const xb = options.subsample === undefined ? x : tf.gather(x, idx);
        sample('z', dist.normal(tf.add(tf.mul(xb, a), b), Math.sqrt(2 / 3)).toEvent(1));
      },
      plateOptions,
    );
  };
  return { model, guide };
}
