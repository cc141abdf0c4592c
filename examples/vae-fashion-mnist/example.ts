import { fashionMnistMissing, loadFashionMnist } from '../data/fashion-mnist.js';
import { imageVae } from '../image-examples.js';

export const example = imageVae(
  'vae-fashion-mnist',
  'the vae-mnist VAE (784-200-200-20 tanh, Bernoulli decoder) on Fashion-MNIST, dynamically binarised',
  (train, test, seed) => {
    const missing = fashionMnistMissing();
    return missing ? { skipped: missing } : loadFashionMnist(train, test, seed);
  },
);
