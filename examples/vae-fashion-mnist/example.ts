import { fashionMnistMissing, loadFashionMnist } from '../data/fashion-mnist.js';
import { imageData, withImageBias, type GalleryExample } from '../registry.js';
import { vae } from '../vae-mnist/model.js';

/** Training and test images per run: vae-mnist's 8,000 / 2,000 (Fashion-MNIST has 60,000 / 10,000). */
const SIZES = { full: [8000, 2000], quick: [100, 10] } as const;

export const example: GalleryExample = {
  name: 'vae-fashion-mnist',
  description: 'the vae-mnist VAE (784-200-200-20 tanh, Bernoulli decoder) on Fashion-MNIST, dynamically binarised',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  images: { site: 'x', width: 28, height: 28 },
  defaults: { epochs: 20, batch: 100, lr: 1e-3, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 10, evalK: 5000 },
  quick: { epochs: 2, batch: 10, lr: 3e-3, k: 3, lag: 2, evalK: 10 },
  load(seed, quick) {
    const missing = fashionMnistMissing();
    if (missing) return { skipped: missing };
    const [nTrain, nTest] = quick ? SIZES.quick : SIZES.full;
    const { train, test } = loadFashionMnist(nTrain, nTest, seed);
    return imageData(train, test, quick);
  },
  build: (data) => withImageBias(data, (bias) => vae({ latent: data.quick ? 5 : 20, hidden: data.quick ? [20] : [200, 200], outputBias: bias })),
};
