import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { Stream } from '../../runtime/rng.js';
import type { DebiasedEstimator } from '../debiased.js';
import { drawWeighted, type Problem } from '../program.js';
import { logMeanExp } from '../logmeanexp.js';

/** A log-marginal estimator whose bias and variance can be measured. */
export type MeasuredEstimator =
  | { readonly kind: 'iwae'; readonly name: string; readonly k: number }
  | { readonly kind: 'debiased'; readonly name: string; readonly estimator: DebiasedEstimator };

/**
 * A problem with an exact answer, replicated: `problem(copies, input)` must put `copies` independent
 * copies of one datapoint in its data plate, and read `input` ([copies, ...], one row per copy) so that
 * each copy's gradient is its own row of d estimate / d input.
 */
export interface ExactProblem<A extends unknown[]> {
  problem(copies: number, input: tf.Tensor): Problem<A>;
  /** The point at which to estimate: one copy's input (broadcast to every copy). */
  readonly input: tf.Tensor;
  readonly exactValue: number;
  /** The exact d log p(x) / d input at `component` (flat index into one copy's input). */
  readonly exactGradient: number;
  readonly component: number;
}

export interface Moments {
  /** (mean - exact)^2 - var / n: an unbiased estimate of the squared bias. */
  readonly bias2: number;
  readonly bias2SE: number;
  readonly bias: number;
  readonly variance: number;
  readonly varianceSE: number;
}

export interface BiasVarianceResult {
  readonly estimator: string;
  readonly realisations: number;
  /** Mean draws per realisation. */
  readonly cost: number;
  readonly logMarginal: Moments;
  readonly gradient: Moments;
}

function moments(xs: Float64Array, exact: number): Moments {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const bias = mean - exact;
  return {
    bias,
    bias2: bias * bias - variance / n,
    bias2SE: Math.sqrt((4 * bias * bias * variance) / n + (2 * variance * variance) / (n * n)),
    variance,
    varianceSE: variance * Math.sqrt(2 / (n - 1)),
  };
}

/**
 * Bias^2 and variance of an estimator's log p(x) estimate and of one gradient component, from
 * `realisations` independent runs evaluated as copies of the datapoint in one batch. Debiased estimators
 * draw each copy's level from their law; copies are grouped by level so memory stays bounded.
 *
 * @example
 * const r = biasVariance({ kind: 'debiased', name: 'mlrr', estimator: mlrr({ r: 0.6 }) }, exactProblem, { realisations: 1000, seed: 1 });
 */
export function biasVariance<A extends unknown[]>(
  measured: MeasuredEstimator,
  exact: ExactProblem<A>,
  options: { readonly realisations: number; readonly seed: number | string; readonly maxBatch?: number },
): BiasVarianceResult {
  const n = options.realisations;
  const stream = Stream.fromSeed(options.seed);
  const values = new Float64Array(n);
  const grads = new Float64Array(n);
  const rowSize = exact.input.size;
  if (exact.component >= rowSize) fail('invalid-argument', `biasVariance: component ${exact.component} is outside the input`);
  let draws = 0;
  // Groups of realisations evaluated together: (level, indices).
  const groups: { level: number; indices: number[] }[] = [];
  const maxBatch = options.maxBatch ?? 2000;
  if (measured.kind === 'iwae') {
    for (let i = 0; i < n; i += maxBatch) groups.push({ level: 0, indices: Array.from({ length: Math.min(maxBatch, n - i) }, (_, j) => i + j) });
  } else {
    const levelStream = stream.split(1);
    const byLevel = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const k = measured.estimator.law.sample(levelStream);
      byLevel.set(k, [...(byLevel.get(k) ?? []), i]);
    }
    for (const [level, indices] of [...byLevel].sort((a, b) => a[0] - b[0])) {
      // Keep each batch's draws x copies bounded.
      const per = Math.max(1, Math.min(maxBatch, Math.floor((maxBatch * 64) / measured.estimator.drawsFor(level))));
      for (let i = 0; i < indices.length; i += per) groups.push({ level, indices: indices.slice(i, i + per) });
    }
  }
  groups.forEach((group, g) => {
    const copies = group.indices.length;
    const groupStream = stream.split(100 + g);
    const estimate = (x: tf.Tensor): tf.Tensor => {
      const problem = exact.problem(copies, x);
      if (measured.kind === 'iwae') return logMeanExp(drawWeighted(problem, measured.k, groupStream).logWeights(), 0);
      return measured.estimator.estimateAtLevels(problem, groupStream, new Array<number>(copies).fill(group.level));
    };
    let perCopy: tf.Tensor | undefined;
    const grad = tf.tidy(() => {
      const input = tf.tile(tf.expandDims(exact.input, 0), [copies, ...new Array<number>(exact.input.rank).fill(1)]);
      return tf.valueAndGrad((x: tf.Tensor) => {
        const e = estimate(x);
        perCopy = tf.keep(tf.clone(e));
        return tf.sum(e) as tf.Scalar;
      })(input).grad;
    });
    const v = perCopy!.dataSync();
    const gr = grad.dataSync();
    perCopy!.dispose();
    grad.dispose();
    group.indices.forEach((index, j) => {
      values[index] = v[j]!;
      grads[index] = gr[j * rowSize + exact.component]!;
    });
    draws += copies * (measured.kind === 'iwae' ? measured.k : measured.estimator.drawsFor(group.level));
  });
  return { estimator: measured.name, realisations: n, cost: draws / n, logMarginal: moments(values, exact.exactValue), gradient: moments(grads, exact.exactGradient) };
}
