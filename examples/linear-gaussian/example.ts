import { Stream } from '../../src/index.js';
import { LINEAR_GAUSSIAN_DIM, linearGaussianRows } from '../data/synthetic.js';
import { rowsSplit, type GalleryExample } from '../gallery-example.js';
import { linearGaussian } from './model.js';

export const example: GalleryExample = {
  name: 'linear-gaussian',
  description: 'Shi & Cornish 7.1: z ~ N(theta, I), x | z ~ N(z, I) in R^20, linear guide; exact log p(x) = log N(x; theta, 2I)',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  defaults: { epochs: 50, batch: 64, lr: 1e-2, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 3, batch: 32, k: 3, lag: 2, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`linear-gaussian-${seed}`);
    const dim = LINEAR_GAUSSIAN_DIM;
    const train = linearGaussianRows(quick ? 128 : 1024, stream);
    const test = linearGaussianRows(quick ? 32 : 256, stream);
    return { train: rowsSplit(train, dim), test: rowsSplit(test, dim), quick, info: { dim, train: train.length / dim, test: test.length / dim }, dispose() {} };
  },
  build() {
    const { model, guide } = linearGaussian();
    return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!) };
  },
};
