/**
 * The gallery's image examples: MNIST-layout splits binarised at every use, the decoder output bias of
 * Burda et al., and the image VAE shared by vae-mnist and vae-fashion-mnist. It needs only the
 * vocabulary's types (gallery-example.ts), so examples can use it at load time without an import cycle.
 */
import type * as tf from '@tensorflow/tfjs';
import { binarisedBatch, meanImageLogit, type MnistSplit } from './data/mnist.js';
import type { BuiltExample, GalleryData, GalleryExample, Skipped, Split } from './gallery-example.js';
import { vae } from './vae-mnist/model.js';

/** A split of MNIST-layout images, dynamically binarised at every use. */
export function imageSplit(split: MnistSplit): Split {
  return { count: split.count, batch: (indices, stream) => [binarisedBatch(split, indices, stream)] };
}

/** The grey-level training images behind a loaded data set (for Burda et al.'s decoder output bias). */
export const trainingImages = new WeakMap<GalleryData, MnistSplit>();

/** Gallery data from image splits, remembering the grey-level training images. */
export function imageData(train: MnistSplit, test: MnistSplit, quick: boolean): GalleryData {
  const data: GalleryData = { train: imageSplit(train), test: imageSplit(test), quick, info: { train: train.count, test: test.count, pixels: 784 }, dispose() {} };
  trainingImages.set(data, train);
  return data;
}

/** Programs of image batches whose decoder output bias starts at the logit of the mean training image. */
export function withImageBias(
  data: GalleryData,
  make: (bias: tf.Tensor) => { model: (x: tf.Tensor) => void; guide: (x: tf.Tensor) => void },
): BuiltExample {
  const bias = meanImageLogit(trainingImages.get(data)!);
  const { model, guide } = make(bias);
  return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!), owned: [bias] };
}

/** Training and test images per run (the split), and for `--quick`. */
const IMAGE_SIZES = { full: [8000, 2000], quick: [100, 10] } as const;

/**
 * The image VAE (784-200-200-20 tanh, or `--latent D`; Bernoulli decoder, output bias = logit of the mean training image)
 * on one data set of 28x28 images; `load` returns the grey-level splits, or why they are missing.
 */
export function imageVae(name: string, description: string, load: (train: number, test: number, seed: number) => { train: MnistSplit; test: MnistSplit } | Skipped): GalleryExample {
  return {
    name,
    description,
    estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
    cisirKernel: 'isir-disir',
    images: { site: 'x', width: 28, height: 28 },
    defaults: { epochs: 20, batch: 100, lr: 1e-3, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 10, evalK: 5000 },
    quick: { epochs: 2, batch: 10, lr: 3e-3, k: 3, lag: 2, evalK: 10 },
    load(seed, quick) {
      const [nTrain, nTest] = quick ? IMAGE_SIZES.quick : IMAGE_SIZES.full;
      const splits = load(nTrain, nTest, seed);
      return 'skipped' in splits ? splits : imageData(splits.train, splits.test, quick);
    },
    build: (data, hyper) => withImageBias(data, (bias) => vae({ latent: hyper?.latent ?? (data.quick ? 5 : 20), hidden: data.quick ? [20] : [200, 200], outputBias: bias })),
  };
}
