import * as tf from '@tensorflow/tfjs';
import { Stream } from '../../src/index.js';
import { REGRESSION_NOISE, regressionRows } from '../data/synthetic.js';
import type { GalleryExample, Split } from '../gallery-example.js';
import { bayesianRegression } from './model.js';

/** `n` rows of y = 1 + X w + noise as [X, y] batches (X has 3 columns). */
function regressionSplit(n: number, stream: Stream): Split {
  const { X, y } = regressionRows(n, stream);
  return {
    count: n,
    batch: (indices) => [
      tf.tensor2d(Float32Array.from(indices.flatMap((i) => [X[i * 3]!, X[i * 3 + 1]!, X[i * 3 + 2]!])), [indices.length, 3]),
      tf.tensor1d(Float32Array.from(indices.map((i) => y[i]!))),
    ],
  };
}

export const example: GalleryExample = {
  name: 'bayesian-regression',
  description: 'Bayesian linear regression (global latents w, b, sigma; mean-field guide): every step sees all data',
  // Global latents make the whole data set one datapoint: the debiased estimators work, but slowly.
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  defaults: { epochs: 300, batch: 100, lr: 2e-2, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 25, k: 3, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`bayesian-regression-${seed}`);
    const n = quick ? 50 : 200;
    const train = regressionSplit(n, stream);
    const test = regressionSplit(quick ? 20 : 100, stream);
    return { train, test, quick, fullBatch: true, info: { dim: 3, train: n, noise: REGRESSION_NOISE }, dispose() {} };
  },
  build() {
    const { model, guide } = bayesianRegression();
    return { model: (b) => model(b[0]!, b[1]!), guide: (b) => guide(b[0]!) };
  },
};
