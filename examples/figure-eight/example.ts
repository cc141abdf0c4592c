import { Stream } from '../../src/index.js';
import { rowsSplit, type GalleryExample } from '../gallery-example.js';
import { FIGURE_EIGHT_NOISE, figureEightPoints, figureEightVae } from './model.js';

export const example: GalleryExample = {
  name: 'figure-eight',
  description: 'Shi & Cornish 7.2: 1-d latent VAE (3 x 50 leaky-ReLU MLPs, learned decoder variance) on a 2-d figure-eight density',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  // The paper's settings: Adam 2.5e-4, batch 100, k = 5, r = 0.625.
  defaults: { epochs: 100, batch: 100, lr: 2.5e-4, optimizer: 'adam', k: 5, r: 0.625, level: 0, m: 1, particles: 1, lag: 5, evalK: 5000 },
  quick: { epochs: 3, batch: 50, lr: 3e-3, k: 3, lag: 2, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`figure-eight-${seed}`);
    const [nTrain, nValid, nTest] = quick ? [300, 0, 100] : [5000, 2000, 2000];
    const train = figureEightPoints(nTrain, stream);
    figureEightPoints(nValid, stream); // the paper's validation split: drawn so the test points match full runs
    const test = figureEightPoints(nTest, stream);
    return {
      train: rowsSplit(train, 2),
      test: rowsSplit(test, 2),
      quick,
      info: { train: nTrain, validation: nValid, test: nTest, curve: '2 (sin t, sin t cos t), t ~ U(0, 2 pi)', noise: FIGURE_EIGHT_NOISE },
      dispose() {},
    };
  },
  build(data) {
    const { model, guide } = figureEightVae(data.quick ? { hidden: [20, 20] } : {});
    return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!) };
  },
};
