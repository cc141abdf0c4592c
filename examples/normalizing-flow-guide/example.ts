import * as tf from '@tensorflow/tfjs';
import { param, Stream } from '../../src/index.js';
import type { GalleryData, GalleryExample, Split } from '../gallery-example.js';
import { BANANA_NOISE, bananaModel, exactLogMarginal, flowGuide } from './model.js';

const observations = new WeakMap<GalleryData, { train: number[]; test: number[] }>();

/** All of `values` as one batch: the model has a global latent, so it never subsamples. */
function wholeSplit(values: readonly number[]): Split {
  return { count: values.length, batch: () => [tf.tensor1d([...values])] };
}

export const example: GalleryExample = {
  name: 'normalizing-flow-guide',
  description: 'affine-coupling flow guide (4 layers) on a banana-shaped posterior z2 + z1^2 = mean(x); exact log p(x) by quadrature',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  defaults: { epochs: 1500, batch: 10, lr: 1e-2, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 5000 },
  quick: { epochs: 40, lr: 3e-2, k: 3, lag: 2, evalK: 200 },
  load(seed) {
    // Data from z_true = (1, -0.5), so z2 + z1^2 = 0.5; the test set is fresh draws at the same z.
    const stream = Stream.fromSeed(`banana-${seed}`);
    const draw = (n: number): number[] => Array.from({ length: n }, () => 0.5 + BANANA_NOISE * stream.normal());
    const train = draw(10);
    const test = draw(10);
    const data: GalleryData = { train: wholeSplit(train), test: wholeSplit(test), quick: false, fullBatch: true, info: { observations: 10, noise: BANANA_NOISE, zTrue: '(1, -0.5)' }, dispose() {} };
    observations.set(data, { train, test });
    return data;
  },
  build() {
    const guide = flowGuide();
    return { model: (b) => bananaModel(b[0]!), guide: () => guide() };
  },
  /**
   * Per observation, like the runner's test log-likelihood (the global latent makes the test set one
   * datapoint: the IWAE bound is of log p(x_test), divided by its size).
   */
  exactTestLogLikelihood(data) {
    const theta = param('prior.loc').dataSync();
    const { test } = observations.get(data)!;
    return exactLogMarginal(test, [theta[0]!, theta[1]!]) / test.length;
  },
};
