import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';
import type { Estimator, Role, Surrogate } from './estimator.js';
import { iwae } from './iwae.js';
import { drawWeighted, prepared, requirePerDatapoint } from './log-weights.js';
import type { Problem } from './program.js';
import type { TruncationLaw } from './truncation.js';

/** One draw of a debiased estimator: per-datapoint estimates of log p(x_i). */
export interface DebiasedEstimate {
  /** [B] (or [] without a data plate). */
  readonly perDatapoint: tf.Tensor;
  /** N / B of the data plate's subsampling. */
  readonly scale: number;
  /** Levels drawn (one per datapoint with `perDatapoint`, else one). */
  readonly levels: readonly number[];
  readonly stats: Readonly<Record<string, number>>;
}

/** A debiased log-marginal estimator: its raw per-datapoint estimates are available to guide objectives. */
export interface DebiasedEstimator extends Estimator {
  readonly law: TruncationLaw;
  /** What the estimates are unbiased for: 'log p(x)', or a finite IWAE bound when K is capped. */
  readonly target: string;
  /** Draws a level K needs, per datapoint. */
  drawsFor(level: number): number;
  estimate<A extends unknown[]>(problem: Problem<A>, stream: Stream, options?: { readonly detachLatents?: boolean }): DebiasedEstimate;
  /**
   * The estimate with given levels, one per datapoint (diagnostics draw levels themselves to group
   * realisations by level). Unbiased only when the levels are drawn from `law`.
   */
  estimateAtLevels<A extends unknown[]>(problem: Problem<A>, stream: Stream, levels: readonly number[]): tf.Tensor;
}

export interface DebiasedOptions {
  /** One level K per datapoint instead of one per minibatch (both unbiased). */
  readonly perDatapoint?: boolean;
  /** Refuse a step that would need more draws per datapoint than this (default 2^16). */
  readonly maxDraws?: number;
  /** The guide's objective: these estimators give phi no signal (default iwae({ k: 5 }) on fresh draws). */
  readonly guide?: Estimator;
}

/** How one estimator turns a level into draws and log-weights into estimates. */
export interface LevelScheme {
  readonly name: string;
  readonly law: TruncationLaw;
  drawsFor(level: number): number;
  /** logW: [n, B]; levels: one per column. Returns [B] estimates. */
  combine(logW: tf.Tensor, levels: readonly number[]): tf.Tensor;
  /** What the estimator is unbiased for ('log p(x)', or a finite bound when the law is capped). */
  readonly target: string;
}

export function debiased(scheme: LevelScheme, options: DebiasedOptions = {}): DebiasedEstimator {
  const maxDraws = options.maxDraws ?? 2 ** 16;
  let guideObjective: Estimator | undefined = options.guide;
  const estimator: DebiasedEstimator = {
    name: scheme.name,
    sharedLoss: false,
    law: scheme.law,
    target: scheme.target,
    drawsFor: scheme.drawsFor,
    estimate(problem, stream, estimateOptions = {}) {
      const info = prepared(problem, stream);
      const levelStream = stream.split(20);
      const count = options.perDatapoint ? (info.datapoints ?? 1) : 1;
      const levels = Array.from({ length: count }, () => scheme.law.sample(levelStream));
      const top = Math.max(...levels);
      const n = scheme.drawsFor(top);
      if (n > maxDraws) {
        fail(
          'invalid-argument',
          `${scheme.name}: the level drawn (K = ${top}) needs ${n} draws per datapoint, more than maxDraws = ${maxDraws}. ` +
            `This happens with probability ${scheme.law.tail(top).toExponential(2)} per step. Set maxLevel to cap K (the ` +
            `estimator then targets a finite-sample bound, not log p(x)), or raise maxDraws if memory allows.`,
          'maxDraws',
        );
      }
      const weighted = drawWeighted(problem, n, stream, 0, estimateOptions);
      requirePerDatapoint(weighted, scheme.name);
      const logW = weighted.logWeights();
      const columns = logW.rank === 1 ? tf.expandDims(logW, 1) : logW;
      const perLevel = options.perDatapoint ? levels : new Array<number>(columns.shape[1]!).fill(levels[0]!);
      const combined = scheme.combine(columns, perLevel);
      const used = perLevel.reduce((acc, k) => acc + scheme.drawsFor(k), 0) / perLevel.length;
      return {
        perDatapoint: logW.rank === 1 ? tf.squeeze(combined, [0]) : combined,
        scale: weighted.dataScale,
        levels,
        stats: {
          K: levels.reduce((a, b) => a + b, 0) / levels.length,
          Kmax: top,
          draws: used,
          drawsComputed: n,
          // Capped laws target a finite-sample bound: say which (draws of the IWAE it is unbiased for).
          ...(Number.isFinite(scheme.law.max) ? { targetDraws: scheme.drawsFor(scheme.law.max) } : {}),
        },
      };
    },
    estimateAtLevels(problem, stream, levels) {
      const n = scheme.drawsFor(Math.max(...levels));
      const weighted = drawWeighted(problem, n, stream);
      const logW = weighted.logWeights();
      const columns = logW.rank === 1 ? tf.expandDims(logW, 1) : logW;
      const b = columns.shape[1]!;
      if (levels.length !== b) fail('invalid-argument', `${scheme.name}: ${levels.length} levels for ${b} datapoints`);
      return scheme.combine(columns, levels);
    },
    surrogate<A extends unknown[]>(problem: Problem<A>, stream: Stream, role: Role): Surrogate {
      if (role === 'guide') {
        guideObjective ??= iwae({ k: 5 });
        return guideObjective.surrogate(problem, stream.split(30), 'guide');
      }
      if (role === 'both') {
        fail('invalid-argument', `${scheme.name}: the model and the guide get different objectives; ask for 'model' or 'guide'`);
      }
      const e = estimator.estimate(problem, stream);
      const objective = tf.mul(tf.sum(e.perDatapoint), e.scale) as tf.Scalar;
      return { loss: tf.neg(objective) as tf.Scalar, objective, cost: e.stats['draws']!, stats: e.stats };
    },
  };
  return estimator;
}

/** A [terms, B] float tensor of per-datapoint coefficients c(j, K_i), built on the host. */
export function coefficients(terms: number, levels: readonly number[], c: (j: number, level: number) => number): tf.Tensor {
  const out = new Float32Array(terms * levels.length);
  for (let j = 0; j < terms; j++) for (let i = 0; i < levels.length; i++) out[j * levels.length + i] = c(j, levels[i]!);
  return tf.tensor2d(out, [terms, levels.length]);
}
