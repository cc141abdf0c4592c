/**
 * The playground's data sets: the gallery's small synthetic examples, generated in the page by the
 * generative stories examples/registry.ts uses (examples/data/synthetic.ts, same seed strings), so the
 * numbers equal the gallery's training split (test/gallery/playground.test.ts checks it). Plain
 * arrays: the runner makes (and disposes) the tensors.
 */
import { linearGaussianRows, LINEAR_GAUSSIAN_DIM, mixtureRows, regressionRows } from '../../../examples/data/synthetic.js';
import type { EstimatorName } from '../../../src/inference/index.js';
import { Stream } from '../../../src/runtime/rng.js';

export type DatasetName = 'linear-gaussian' | 'bayesian-regression' | 'gaussian-mixture';

/** One data variable, row-major, as the .ppl file declares it (`x: real[N, 20]`). */
export interface ArrayData {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface Dataset {
  readonly name: DatasetName;
  readonly description: string;
  /** Estimators that apply (as in the gallery: C-ISIR needs a data plate holding every latent). */
  readonly estimators: readonly EstimatorName[];
  /** C-ISIR's kernel: 'isir' for discrete guides, 'isir-disir' for reparameterised ones. */
  readonly cisirKernel?: 'isir' | 'isir-disir';
  /** Adam's learning rate in the gallery. */
  readonly lr: number;
  /**
   * The gallery's minibatch (the data plate subsampled, as `roulette fit --batch`); undefined when
   * every step must see all the data (global latents).
   */
  readonly batch: number | undefined;
  /** The data by declared name, generated from `seed` (the gallery runner's default is 1). */
  generate(seed: number, size: number): Readonly<Record<string, ArrayData>>;
  /** The gallery's training-set size. */
  readonly size: number;
}

const linearGaussian: Dataset = {
  name: 'linear-gaussian',
  description: 'z ~ N(theta, I), x | z ~ N(z, I) in R^20; data from theta = 1 (Shi & Cornish 7.1)',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  lr: 1e-2,
  batch: 64,
  size: 1024,
  generate(seed, size) {
    return { x: { shape: [size, LINEAR_GAUSSIAN_DIM], values: linearGaussianRows(size, Stream.fromSeed(`linear-gaussian-${seed}`)) } };
  },
};

const bayesianRegression: Dataset = {
  name: 'bayesian-regression',
  description: 'y = X w + 1 + N(0, 0.3^2) with w = (1.5, -2, 0.5); global latents, so every step sees all data',
  // Global latents: the whole data set is one datapoint, so C-ISIR runs one pair of chains (slowly).
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  lr: 2e-2,
  batch: undefined,
  size: 200,
  generate(seed, size) {
    const { X, y } = regressionRows(size, Stream.fromSeed(`bayesian-regression-${seed}`));
    return { X: { shape: [size, 3], values: X }, y: { shape: [size], values: y } };
  },
};

const gaussianMixture: Dataset = {
  name: 'gaussian-mixture',
  description: 'three 2-D Gaussian clusters at (-3, 0), (0, 3), (3, 0) with sd 0.5',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir',
  lr: 1e-2,
  batch: 100,
  size: 1000,
  generate(seed, size) {
    return { x: { shape: [size, 2], values: mixtureRows(size, Stream.fromSeed(`gaussian-mixture-${seed}`)) } };
  },
};

export const DATASETS: readonly Dataset[] = [linearGaussian, bayesianRegression, gaussianMixture];

export function datasetNamed(name: string): Dataset | undefined {
  return DATASETS.find((d) => d.name === name);
}

/** `x: real[1024, 20]`, for the page and for error messages. */
export function describeData(data: Readonly<Record<string, ArrayData>>): string {
  return Object.entries(data)
    .map(([name, a]) => `${name}: real[${a.shape.join(', ')}]`)
    .join(', ');
}
