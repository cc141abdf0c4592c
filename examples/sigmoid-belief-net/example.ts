import { loadMnist } from '../data/mnist.js';
import { imageData, withImageBias } from '../image-examples.js';
import { iwaeFor, type GalleryExample } from '../gallery-example.js';
import { sigmoidBeliefNet } from './model.js';

export const example: GalleryExample = {
  name: 'sigmoid-belief-net',
  description: 'one-layer sigmoid belief net (200 binary latents, Bernoulli decoder, MLP Bernoulli guide) on mnist digits: score-function gradients',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  // DISIR moves the guide's Gaussian noise: a Bernoulli guide has none.
  cisirKernel: 'isir',
  // DReG (the default guide objective of C-ISIR) needs reparameterised sites: plain IWAE here.
  guideObjective: (h) => iwaeFor(h.k),
  defaults: { epochs: 20, batch: 100, lr: 3e-4, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 2, batch: 25, lr: 3e-3, k: 3, lag: 2, evalK: 10 },
  load(seed, quick) {
    const { train, test } = loadMnist(quick ? 100 : 1000, quick ? 10 : 100, seed);
    return imageData(train, test, quick);
  },
  build(data) {
    return withImageBias(data, (bias) => sigmoidBeliefNet({ latent: data.quick ? 20 : 200, encoderHidden: data.quick ? [] : [200], outputBias: bias }));
  },
};
