/**
 * The example gallery's vocabulary: every example exports one `GalleryExample` (how to load its data,
 * build its model and guide, which estimators apply, its default hyperparameters), and
 * `examples/run.ts` trains any of them with any applicable estimator and writes a result file. Apart
 * from the list (registry.ts), so an example's module can be loaded on its own.
 *
 * Programs in the gallery take one argument, a `Batch` (a tuple of tensors: `[x]`, or `[X, y]`), so
 * one training loop serves models with different signatures without widening types.
 */
import * as tf from '@tensorflow/tfjs';
import { ESTIMATOR_NAMES, iwae, type CisirKernel, type Estimator, type EstimatorName } from '../src/inference/index.js';
import type { Stream } from '../src/index.js';
import type { ImageSpec } from './pictures.js';
import type { Hyper } from './result.js';

/** The library's estimator names (src/inference/registry.ts); each example lists those it supports. */
export type { EstimatorName, Hyper };
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
  /** Held out for choosing among checkpoints (`validateEvery`), never trained or tested on. */
  readonly validation?: Split;
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
  /** The guide's objective for model-only estimators (SUMO, ML, C-ISIR) run as `estimator`; undefined: theirs. */
  guideObjective?(hyper: Hyper, estimator: EstimatorName): Estimator | undefined;
  readonly defaults: Hyper;
  /** Overrides for `--quick` (tiny data, few steps: for the gallery test). */
  readonly quick: Partial<Hyper>;
  load(seed: number, quick: boolean): GalleryData | Skipped | Promise<GalleryData | Skipped>;
  /** Model (params: theta) and guide (params: phi); called after `clearParamStore()`. */
  build(data: GalleryData, hyper?: Hyper): BuiltExample;
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

/** The guide objective for discrete guides: plain IWAE (DReG needs reparameterised sites). */
export function iwaeFor(k: number): Estimator {
  return iwae({ k });
}
