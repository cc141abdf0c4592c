import { param, Stream } from '../../src/index.js';
import { rowsSplit, type GalleryData, type GalleryExample } from '../gallery-example.js';
import { exactLogLikelihood, NOISE_VARIANCE, ppca } from './model.js';

const DIM = 5;
const LATENT = 2;

/** Test rows behind a loaded data set, for the exact log-likelihood. */
const testRows = new WeakMap<GalleryData, Float32Array>();

/**
 * Synthetic PPCA data from a seeded stream: theta0_true = (2, -1, 0.5, 3, -2), theta1_true ~ N(0, 1)
 * entries, x = theta0 + theta1^T z + sqrt(0.1) eps.
 */
function generate(count: number, theta0: readonly number[], theta1: Float32Array, stream: Stream): Float32Array {
  const x = new Float32Array(count * DIM);
  for (let n = 0; n < count; n++) {
    const z = Array.from({ length: LATENT }, () => stream.normal());
    for (let i = 0; i < DIM; i++) {
      let v = theta0[i]! + Math.sqrt(NOISE_VARIANCE) * stream.normal();
      for (let l = 0; l < LATENT; l++) v += theta1[l * DIM + i]! * z[l]!;
      x[n * DIM + i] = v;
    }
  }
  return x;
}

export const example: GalleryExample = {
  name: 'ppca',
  description: 'probabilistic PCA (Ruiz et al. 6.1), D = 5, d = 2, on seeded synthetic data: exact log p(x) to compare with',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  defaults: { epochs: 300, batch: 100, lr: 0.05, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 4, batch: 25, lr: 5e-2, k: 3, lag: 2, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`ppca-data-${seed}`);
    const theta0 = [2, -1, 0.5, 3, -2];
    const theta1 = Float32Array.from({ length: LATENT * DIM }, () => stream.normal());
    const train = generate(quick ? 100 : 1000, theta0, theta1, stream);
    const test = generate(quick ? 25 : 200, theta0, theta1, stream);
    const data: GalleryData = {
      train: rowsSplit(train, DIM),
      test: rowsSplit(test, DIM),
      quick,
      info: {
        dim: DIM,
        latent: LATENT,
        train: train.length / DIM,
        test: test.length / DIM,
        // The data-generating parameters' exact test log-likelihood: the fit should approach it.
        trueTestLogLikelihood: exactLogLikelihood(test, Float32Array.from(theta0), theta1, LATENT),
      },
      dispose() {},
    };
    testRows.set(data, test);
    return data;
  },
  build() {
    const { model, guide } = ppca({ dim: DIM, latent: LATENT });
    return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!) };
  },
  exactTestLogLikelihood(data) {
    const theta0 = param('theta0').dataSync() as Float32Array;
    const theta1 = param('theta1').dataSync() as Float32Array;
    return exactLogLikelihood(testRows.get(data)!, theta0, theta1, LATENT);
  },
};
