import * as tf from '@tensorflow/tfjs';
import type { Stream } from '../runtime/rng.js';
import type { Problem } from './program.js';

/** Which parameter group a surrogate is for: model (theta), guide (phi), or both at once. */
export type Role = 'model' | 'guide' | 'both';

/** What an estimator produces for one draw of its randomness. */
export interface Surrogate {
  /** A scalar to minimise: its gradient w.r.t. the role's params is minus the gradient estimate. */
  readonly loss: tf.Scalar;
  /**
   * The estimate itself, over the full data (minibatch sums scaled by N / B): the ELBO, the IWAE
   * bound, or an unbiased estimate of log p(x) for the debiased estimators.
   */
  readonly objective: tf.Scalar;
  /** Model evaluations per datapoint (particles drawn). */
  readonly cost: number;
  /** Estimator-specific numbers (level drawn, ESS, ...). */
  readonly stats: Readonly<Record<string, number>>;
}

/**
 * A gradient estimator: maps a problem and a random stream to a surrogate loss. Estimators are
 * values built by factories (`elbo()`, `iwae({ k: 5 })`, ...); some keep small plain-data state
 * across steps (score-function baselines).
 */
export interface Estimator {
  readonly name: string;
  /** True when one surrogate serves both groups (one gradient pass); false e.g. for DReG. */
  readonly sharedLoss: boolean;
  /**
   * Optional work done outside the gradient tape before `surrogate` (e.g. simulating Markov chains,
   * whose intermediate states need no gradient); its result is passed to `surrogate` and disposed after.
   */
  simulate?<A extends unknown[]>(problem: Problem<A>, stream: Stream, role: Role): Simulation | undefined;
  surrogate<A extends unknown[]>(problem: Problem<A>, stream: Stream, role: Role, simulation?: Simulation): Surrogate;
  /**
   * For estimators whose kernels depend on numbers drawn on the host (a level K): those numbers as a
   * key, and the streams they come from. A compiled step (docs/compile.md) keeps one program per key;
   * host draws from `streams` must decide nothing but what the key records.
   */
  structure?<A extends unknown[]>(problem: Problem<A>, stream: Stream, role: Role): StepStructure | undefined;
}

/** What decides an estimator's kernels beyond the shapes: see `Estimator.structure`. */
export interface StepStructure {
  readonly key: string;
  readonly streams: readonly Stream[];
}

/** What `simulate` hands to `surrogate`: it owns tensors and releases them in `dispose`. */
export interface Simulation {
  dispose(): void;
}

/**
 * A full-data estimate from its minibatch sum: sum * N / B, where `dataScale` = N / B comes from the
 * data plate (`Weighted.dataScale`). Every estimator scales here, so minibatching means one thing
 * everywhere; on the whole data (scale 1) it adds no kernel.
 */
export function fullData(minibatchSum: tf.Tensor, dataScale: number): tf.Scalar {
  return (dataScale === 1 ? minibatchSum : tf.mul(minibatchSum, dataScale)) as tf.Scalar;
}

/**
 * The loss whose gradient is minus an estimate's: -(sum * N / B). Estimators ascend their objective
 * and optimisers descend a loss; this is the one place the sign flips.
 */
export function ascentLoss(minibatchSum: tf.Tensor, dataScale = 1): tf.Scalar {
  return tf.neg(fullData(minibatchSum, dataScale));
}
