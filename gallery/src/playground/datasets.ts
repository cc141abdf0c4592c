/**
 * The playground's data sets: the gallery's small synthetic examples, generated in the page from the
 * same seeded generative stories as examples/registry.ts (same seed strings, same draws, so the
 * numbers equal the gallery's training split; test/gallery/playground.test.ts checks it). Plain
 * arrays: the runner makes (and disposes) the tensors.
 */
import { Stream } from '../../../src/runtime/rng.js';

export type DatasetName = 'linear-gaussian' | 'bayesian-regression' | 'gaussian-mixture';
export type EstimatorName = 'elbo' | 'iwae' | 'sumo' | 'mlss' | 'mlrr' | 'cisir';

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

/** `count` rows of `dim` normals: mean(row, j) + sd * N(0, 1), in the registry's draw order. */
function gaussianRows(count: number, dim: number, stream: Stream, mean: (row: number, j: number) => number, sd: number): Float32Array {
  return Float32Array.from({ length: count * dim }, (_, i) => mean(Math.floor(i / dim), i % dim) + sd * stream.normal());
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
    const stream = Stream.fromSeed(`linear-gaussian-${seed}`);
    return { x: { shape: [size, 20], values: gaussianRows(size, 20, stream, () => 1, Math.SQRT2) } };
  },
};

const bayesianRegression: Dataset = {
  name: 'bayesian-regression',
  description: 'y = X w + 1 + N(0, 0.3^2) with w = (1.5, -2, 0.5); global latents, so every step sees all data',
  // Global latents: C-ISIR's chains need a datapoint axis holding every latent.
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr'],
  lr: 2e-2,
  batch: undefined,
  size: 200,
  generate(seed, size) {
    const stream = Stream.fromSeed(`bayesian-regression-${seed}`);
    const w = [1.5, -2, 0.5];
    const X = gaussianRows(size, 3, stream, () => 0, 1);
    const y = Float32Array.from({ length: size }, (_, i) => 1 + w.reduce((s, wj, j) => s + wj * X[i * 3 + j]!, 0) + 0.3 * stream.normal());
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
    const stream = Stream.fromSeed(`gaussian-mixture-${seed}`);
    const centres = [[-3, 0], [0, 3], [3, 0]] as const;
    const labels = Array.from({ length: size }, () => stream.int(3));
    return { x: { shape: [size, 2], values: gaussianRows(size, 2, stream, (row, j) => centres[labels[row]!]![j]!, 0.5) } };
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
