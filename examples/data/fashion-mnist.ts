import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RouletteError, Stream } from '../../src/index.js';
import type { MnistSplit } from './mnist.js';
import { readIdx } from './idx.js';

/** Where `npm run data:fashion-mnist` unpacks Debian's dataset-fashion-mnist. */
export const FASHION_MNIST_DIR = 'data/fashion-mnist/usr/share/datasets/fashion-mnist';

const FILES = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
} as const;

/** Undefined when every file is present, else a message saying what is missing and how to get it. */
export function fashionMnistMissing(dir = FASHION_MNIST_DIR): string | undefined {
  const missing = [...FILES.train, ...FILES.test].filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return undefined;
  return `Fashion-MNIST not found (${missing.join(', ')} missing in ${dir}); run \`npm run data:fashion-mnist\` to fetch Debian's dataset-fashion-mnist`;
}

/**
 * The first `count` images of a split (in the files' order, then shuffled by `seed`), as MNIST-layout
 * intensities in [0, 1] so the MNIST helpers (dynamic binarisation, mean-image logit) apply.
 */
function split(dir: string, which: 'train' | 'test', count: number, seed: number): MnistSplit {
  const images = readIdx(join(dir, FILES[which][0]));
  const labels = readIdx(join(dir, FILES[which][1]));
  const [total, rows, cols] = images.dims as [number, number, number];
  if (rows * cols !== 784 || labels.dims[0] !== total) throw new RouletteError('io-error', `${dir}: expected 28 x 28 images with one label each`, dir);
  const n = Math.min(count, total);
  const order = Array.from({ length: n }, (_, i) => i);
  const stream = Stream.fromSeed(`${seed}-fashion-${which}`);
  for (let i = n - 1; i > 0; i--) {
    const j = stream.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Float32Array(n * 784);
  order.forEach((src, i) => {
    for (let p = 0; p < 784; p++) out[i * 784 + p] = images.data[src * 784 + p]! / 255;
  });
  return { images: out, labels: Int32Array.from(order.map((src) => labels.data[src]!)), count: n };
}

/** Fashion-MNIST train and test subsets (full sizes 60,000 and 10,000). */
export function loadFashionMnist(train: number, test: number, seed = 0, dir = FASHION_MNIST_DIR): { train: MnistSplit; test: MnistSplit } {
  const missing = fashionMnistMissing(dir);
  if (missing) throw new RouletteError('io-error', missing, dir);
  return { train: split(dir, 'train', train, seed), test: split(dir, 'test', test, seed) };
}
