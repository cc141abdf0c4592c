import { Stream } from '../../src/index.js';
import { mixtureRows } from '../data/synthetic.js';
import { iwaeFor, rowsSplit, type GalleryExample } from '../gallery-example.js';
import { gaussianMixture } from './model.js';

export const example: GalleryExample = {
  name: 'gaussian-mixture',
  description: '3-component 2-D Gaussian mixture with an amortised categorical guide (score-function gradients)',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  // DISIR moves the guide's Gaussian noise: a categorical guide has none.
  cisirKernel: 'isir',
  // DReG (the model-only estimators' default guide objective) needs reparameterised sites: plain IWAE here.
  guideObjective: (h) => iwaeFor(h.k),
  defaults: { epochs: 50, batch: 100, lr: 1e-2, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 4, batch: 50, k: 3, lag: 2, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`gaussian-mixture-${seed}`);
    const train = mixtureRows(quick ? 200 : 1000, stream);
    const test = mixtureRows(quick ? 50 : 300, stream);
    return { train: rowsSplit(train, 2), test: rowsSplit(test, 2), quick, info: { dim: 2, components: 3, train: train.length / 2, test: test.length / 2 }, dispose() {} };
  },
  build() {
    const { model, guide } = gaussianMixture(3);
    return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!) };
  },
};
