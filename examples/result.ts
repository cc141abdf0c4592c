/**
 * The result file of examples/run.ts (examples/results/<name>/<estimator>.json): written by the runner,
 * read by the gallery (gallery/src/site/types.ts). Types only, so browser code may import it.
 */
import type { EstimatorName } from '../src/inference/index.js';

/** An example's training hyperparameters (its defaults, `--quick` overrides and the command line's). */
export interface Hyper {
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly optimizer: 'adam' | 'rmsprop' | 'amsgrad';
  /**
   * Linear learning-rate decay by epoch, Shi & Cornish's image schedule: after e epochs the rate is
   * lr * max(1 - factor * e / epochs, 1 - factor).
   */
  readonly lrDecay?: { readonly factor: number; readonly epochs: number };
  /** Global gradient-norm clip per group, one limit for both or one each (Shi & Cornish clip model and guide). */
  readonly clip?: number | { readonly model?: number; readonly guide?: number };
  /** Draws: IWAE k, C-ISIR particles per state, and the guide objective's k. */
  readonly k: number;
  /** ML-SS / ML-RR geometric parameter and start level. */
  readonly r: number;
  readonly level: number;
  /** ML-SS / ML-RR cap on K (then unbiased for IWAE with 2^(maxLevel+level+1) draws). */
  readonly maxLevel?: number;
  /** The latent dimension, for the examples whose model takes one (the image VAEs). */
  readonly latent?: number;
  /** SUMO's base number of draws. */
  readonly m: number;
  /** ELBO particles. */
  readonly particles: number;
  /** C-ISIR lag. */
  readonly lag: number;
  /** Draws per test point of the IWAE bound used as test log-likelihood. */
  readonly evalK: number;
  /** Also evaluate the test log-likelihood every this many epochs (a learning curve), with `testEveryK` draws. */
  readonly testEvery?: number;
  readonly testEveryK?: number;
  /**
   * Score the validation split (IWAE-`validateK`) after epoch 1, every this many epochs and the last, and
   * test the params that scored best instead of the last epoch's.
   */
  readonly validateEvery?: number;
  readonly validateK?: number;
}

export interface EpochRecord {
  readonly epoch: number;
  /** Mean per-datapoint objective of the model-side estimator over the epoch's steps. */
  readonly objective: number;
  readonly seconds: number;
  readonly steps: number;
  /** The estimator's stats, averaged over the epoch's steps (non-finite values skipped). */
  readonly stats: Readonly<Record<string, number>>;
  /** With `testEvery`: the IWAE-`testEveryK` test log-likelihood after this epoch (not counted in `seconds`). */
  readonly testLogLikelihood?: number;
  /** With `validateEvery`: the IWAE-`validateK` validation log-likelihood after this epoch (not counted in `seconds`). */
  readonly validationLogLikelihood?: number;
}

export interface RunResult {
  readonly example: string;
  readonly estimator: EstimatorName;
  readonly backend: string;
  readonly config: Hyper & { readonly seed: number; readonly quick: boolean; readonly cisirKernel?: string };
  readonly data: Readonly<Record<string, number | string>>;
  readonly epochs: readonly EpochRecord[];
  /** Per-step per-datapoint objective (the model-side estimator's estimate of log p(x) or its bound). */
  readonly stepObjectives: readonly number[];
  /** IWAE bound with config.evalK draws per test point, averaged over test points. */
  readonly testLogLikelihood: number;
  /** With `validateEvery`: the epoch whose params were tested (the best validation score) and that score. */
  readonly selected?: { readonly epoch: number; readonly validationLogLikelihood: number };
  readonly exactTestLogLikelihood?: number;
  readonly seconds: { readonly train: number; readonly evaluate: number; readonly total: number };
  readonly stepsPerSecond: number;
  readonly finishedAt: string;
}
