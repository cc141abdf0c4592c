import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';
import { accumulate, linearLoss, roleVariables } from './accumulated-gradient.js';
import { ascentLoss, fullData, type Estimator, type Role, type Simulation, type Surrogate } from './estimator.js';
import { iwae } from './iwae.js';
import { requirePerDatapoint } from './log-weights.js';
import { drawWeighted, prepared, type Problem } from './program.js';
import type { OptionSpecs } from './options.js';
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
  estimate<A extends unknown[]>(problem: Problem<A>, stream: Stream, options?: DebiasedEstimateOptions): DebiasedEstimate;
  /**
   * The estimate with given levels, one per datapoint (diagnostics draw levels themselves to group
   * realisations by level). Unbiased only when the levels are drawn from `law`.
   */
  estimateAtLevels<A extends unknown[]>(problem: Problem<A>, stream: Stream, levels: readonly number[]): tf.Tensor;
}

export interface DebiasedEstimateOptions {
  /** Draw the latents without their reparameterisation path (unbiased RWS). */
  readonly detachLatents?: boolean;
  /**
   * For callers that differentiate every draw at once (a guide's second moment cannot be chunked):
   * refuse, naming `by`, a level whose draws times datapoints exceed `rows`, instead of exhausting memory.
   */
  readonly tapeLimit?: { readonly rows: number; readonly by: string };
}

export interface DebiasedOptions {
  /** One level K per datapoint instead of one per minibatch (both unbiased). */
  readonly perDatapoint?: boolean;
  /** Refuse a step that would need more draws per datapoint than this (default 2^16). */
  readonly maxDraws?: number;
  /** The guide's objective: these estimators give phi no signal (default iwae({ k: 5 }) on fresh draws). */
  readonly guide?: Estimator;
  /**
   * Particle-datapoint rows differentiated at once (default 2^15). A step needing more (a large level K)
   * computes its model gradient in chunks outside the tape: same numbers, bounded memory.
   */
  readonly chunkRows?: number;
}

/** The specs of `DebiasedOptions`, shared by every debiased estimator's option check. */
export const DEBIASED_OPTION_SPECS = {
  perDatapoint: { kind: 'boolean', default: false },
  maxDraws: { kind: 'integer', min: 1, default: 2 ** 16 },
  guide: { kind: 'estimator' },
  chunkRows: { kind: 'integer', min: 1, default: 2 ** 15 },
} as const satisfies OptionSpecs;

/** Draws of the default guide objective, iwae({ k }) on fresh draws. */
export const DEBIASED_GUIDE_K = 5;

/** The levels of one step and the draws they need. */
interface LevelPlan {
  readonly levels: readonly number[];
  /** One level per datapoint column. */
  readonly perColumn: readonly number[];
  readonly top: number;
  readonly n: number;
  readonly columns: number;
}

/** A model gradient accumulated in chunks (see `chunkRows`). */
interface ChunkedSimulation extends Simulation {
  readonly gradients: ReadonlyMap<string, tf.Tensor>;
  readonly objective: tf.Scalar;
  readonly stats: Readonly<Record<string, number>>;
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
  const maxDraws = options.maxDraws ?? DEBIASED_OPTION_SPECS.maxDraws.default;
  const chunkRows = options.chunkRows ?? DEBIASED_OPTION_SPECS.chunkRows.default;
  let guideObjective: Estimator | undefined = options.guide;

  /** The step's levels (from `stream`, so every phase of one step draws the same ones). */
  function plan<A extends unknown[]>(problem: Problem<A>, stream: Stream): LevelPlan {
    const columns = prepared(problem, stream).datapoints ?? 1;
    const levelStream = stream.split(20);
    const levels = Array.from({ length: options.perDatapoint ? columns : 1 }, () => scheme.law.sample(levelStream));
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
    const perColumn = options.perDatapoint ? levels : new Array<number>(columns).fill(levels[0]!);
    return { levels, perColumn, top, n, columns };
  }

  function stats(p: LevelPlan): Record<string, number> {
    return {
      K: p.levels.reduce((a, b) => a + b, 0) / p.levels.length,
      Kmax: p.top,
      draws: p.perColumn.reduce((acc, k) => acc + scheme.drawsFor(k), 0) / p.perColumn.length,
      drawsComputed: p.n,
      // Capped laws target a finite-sample bound: say which (draws of the IWAE it is unbiased for).
      ...(Number.isFinite(scheme.law.max) ? { targetDraws: scheme.drawsFor(scheme.law.max) } : {}),
    };
  }

  /** log w of particles first..first+size-1 as [size, B] (the same particles as one draw of all n). */
  function logWeightColumns<A extends unknown[]>(problem: Problem<A>, stream: Stream, size: number, first: number): { logW: tf.Tensor; scale: number } {
    const weighted = drawWeighted(problem, size, stream, first);
    requirePerDatapoint(weighted, scheme.name);
    const logW = weighted.logWeights();
    return { logW: logW.rank === 1 ? tf.expandDims(logW, 1) : logW, scale: weighted.dataScale };
  }

  /**
   * The model gradient of a step too large to differentiate at once: log w chunk by chunk without the
   * tape, c = d estimate / d log w on that small [n, B] tensor, then sum c * grad log w chunk by chunk.
   */
  function chunked<A extends unknown[]>(problem: Problem<A>, stream: Stream, p: LevelPlan): ChunkedSimulation {
    const rows = Math.max(1, Math.floor(chunkRows / p.columns));
    const starts = Array.from({ length: Math.ceil(p.n / rows) }, (_, i) => i * rows);
    let scale = 1;
    const logW = tf.keep(
      tf.concat(
        starts.map((first) =>
          tf.tidy(() => {
            const piece = logWeightColumns(problem, stream, Math.min(rows, p.n - first), first);
            scale = piece.scale;
            return piece.logW;
          }),
        ),
        0,
      ),
    );
    const [estimates, slopes] = tf.tidy(() => [
      tf.keep(scheme.combine(logW, p.perColumn)),
      tf.keep(tf.grad((lw: tf.Tensor) => tf.sum(scheme.combine(lw, p.perColumn)))(logW)),
    ]);
    logW.dispose();
    const gradients = new Map<string, tf.Tensor>();
    const theta = roleVariables('model');
    if (theta.length > 0) {
      for (const first of starts) {
        const size = Math.min(rows, p.n - first);
        const { value, grads } = tf.variableGrads(() => {
          const { logW: piece } = logWeightColumns(problem, stream, size, first);
          return ascentLoss(tf.sum(tf.mul(tf.slice(slopes!, first, size), piece)), scale);
        }, theta);
        value.dispose();
        accumulate(gradients, grads);
      }
    }
    const objective = tf.keep(tf.tidy(() => fullData(tf.sum(estimates!), scale)));
    estimates!.dispose();
    slopes!.dispose();
    return {
      gradients,
      objective,
      stats: { ...stats(p), chunks: starts.length },
      dispose() {
        objective.dispose();
        for (const g of gradients.values()) g.dispose();
      },
    };
  }

  const estimator: DebiasedEstimator = {
    name: scheme.name,
    sharedLoss: false,
    law: scheme.law,
    target: scheme.target,
    drawsFor: scheme.drawsFor,
    estimate(problem, stream, { tapeLimit, ...drawOptions } = {}) {
      const p = plan(problem, stream);
      if (tapeLimit && p.n * p.columns > tapeLimit.rows) {
        fail(
          'invalid-argument',
          `${tapeLimit.by}: the level drawn (K = ${p.top}) needs ${p.n} draws for each of ${p.columns} datapoints, ` +
            `${p.n * p.columns} rows on the tape at once, more than maxRows = ${tapeLimit.rows}. This happens with probability ` +
            `${scheme.law.tail(p.top).toExponential(2)} per step. Cap the inner estimator's level (mlss and mlrr: maxLevel, ` +
            `e.g. 8; a guide objective needs no unbiasedness) or raise maxRows if memory allows.`,
          'maxRows',
        );
      }
      const weighted = drawWeighted(problem, p.n, stream, 0, drawOptions);
      requirePerDatapoint(weighted, scheme.name);
      const logW = weighted.logWeights();
      const columns = logW.rank === 1 ? tf.expandDims(logW, 1) : logW;
      const combined = scheme.combine(columns, p.perColumn);
      return {
        perDatapoint: logW.rank === 1 ? tf.squeeze(combined, [0]) : combined,
        scale: weighted.dataScale,
        levels: p.levels,
        stats: stats(p),
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
    structure(problem, stream, role) {
      if (role === 'guide') return guideObjective?.structure?.(problem, stream.split(30), 'guide');
      return { key: `${scheme.name} K ${plan(problem, stream).levels.join(' ')}`, streams: [stream.split(20)] };
    },
    simulate(problem, stream, role) {
      if (role !== 'model') return undefined;
      const p = plan(problem, stream);
      return p.n * p.columns > chunkRows ? chunked(problem, stream, p) : undefined;
    },
    surrogate<A extends unknown[]>(problem: Problem<A>, stream: Stream, role: Role, simulation?: Simulation): Surrogate {
      if (role === 'guide') {
        guideObjective ??= iwae({ k: DEBIASED_GUIDE_K });
        return guideObjective.surrogate(problem, stream.split(30), 'guide');
      }
      if (role === 'both') {
        fail('invalid-argument', `${scheme.name}: the model and the guide get different objectives; ask for 'model' or 'guide'`);
      }
      if (simulation) {
        const sim = simulation as ChunkedSimulation;
        return { loss: linearLoss(sim.gradients, 'model'), objective: sim.objective, cost: sim.stats['draws']!, stats: sim.stats };
      }
      const e = estimator.estimate(problem, stream);
      const objective = fullData(tf.sum(e.perDatapoint), e.scale);
      return { loss: ascentLoss(objective), objective, cost: e.stats['draws']!, stats: e.stats };
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
