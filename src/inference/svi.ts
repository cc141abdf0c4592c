import * as tf from '@tensorflow/tfjs';
import { getParamStore } from '../runtime/param-store.js';
import { currentRandom, Stream } from '../runtime/rng.js';
import { estimatorsOf, gradients, type GradientOptions } from './gradients.js';
import { reportNonFinite } from './nonfinite.js';
import { adam, type Optimizer } from './optim.js';
import type { Program } from './program.js';

export interface SviOptions extends Omit<GradientOptions, 'seed'> {
  /** Default adam({ lr: 1e-3 }). */
  readonly optimizer?: Optimizer;
  /** Clip each group's gradient to this global norm: a number for both, or per group. */
  readonly clip?: number | { readonly model?: number; readonly guide?: number };
  /** Seed of every step's randomness; default: a fork of the current random scope. */
  readonly seed?: number | string;
}

export interface StepResult {
  /** The surrogate loss of the model-side estimator. */
  readonly loss: number;
  /** The model-side estimator's estimate (ELBO, IWAE bound, or log p(x) estimate), full-data scale. */
  readonly logMarginal: number;
  readonly cost: number;
  /** Global gradient norms per group, before clipping. */
  readonly gradNorm: { readonly model: number; readonly guide: number };
  readonly stats: Readonly<Record<string, number>>;
}

export interface Svi<A extends unknown[]> {
  /** One optimisation step on `args`; returns plain numbers. */
  step(...args: A): StepResult;
  readonly optimizer: Optimizer;
  /** Steps taken. */
  readonly steps: number;
}

/** Sum of squares of each group of tensors, read back in a single sync. */
function squaredNorms(groups: readonly (readonly tf.Tensor[])[]): number[] {
  return Array.from(
    tf.tidy(() => tf.stack(groups.map((g) => (g.length === 0 ? tf.scalar(0) : tf.addN(g.map((t) => tf.sum(tf.square(t))))))).dataSync()),
  );
}

/**
 * Stochastic variational inference: each `step` estimates gradients (theta from the model estimator,
 * phi from the guide estimator) and applies one optimiser update. A non-finite loss or gradient stops
 * with an error naming the site, and the bad update is not applied.
 *
 * @example
 * const fit = svi(model, guide, { estimator: elbo(), optimizer: adam({ lr: 0.01 }), seed: 1 });
 * for (let i = 0; i < 1000; i++) fit.step(data);
 */
export function svi<A extends unknown[]>(model: Program<A>, guide: Program<A>, options: SviOptions): Svi<A> {
  estimatorsOf(options); // fail early on a missing estimator
  const optimizer = options.optimizer ?? adam();
  const root = options.seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(options.seed);
  const clip = typeof options.clip === 'number' ? { model: options.clip, guide: options.clip } : (options.clip ?? {});
  let steps = 0;
  return {
    optimizer,
    get steps() {
      return steps;
    },
    step(...args: A): StepResult {
      const stream = root.split(steps);
      const result = gradients(model, guide, args, { ...options, seed: stream });
      const store = getParamStore();
      const names = Object.keys(result.grads);
      const groups = { model: names.filter((n) => store.role(n) === 'model'), guide: names.filter((n) => store.role(n) !== 'model') };
      // Both groups' squared norms in one read: a non-finite gradient makes its group's sum non-finite.
      const [modelSq, guideSq] = squaredNorms([groups.model, groups.guide].map((g) => g.map((n) => result.grads[n]!)));
      if (!Number.isFinite(modelSq) || !Number.isFinite(guideSq) || !Number.isFinite(result.loss)) {
        const bad = names.filter((n) => !tf.tidy(() => tf.all(tf.isFinite(result.grads[n]!)).dataSync()[0] === 1));
        for (const g of Object.values(result.grads)) g.dispose();
        reportNonFinite({ model, guide, args, vectorize: options.vectorize ?? true }, stream.split(10), result.cost, bad, result.loss);
      }
      const gradNorm = { model: Math.sqrt(modelSq!), guide: Math.sqrt(guideSq!) };
      const byVariable = new Map<string, tf.Tensor>();
      for (const group of ['model', 'guide'] as const) {
        const limit = clip[group];
        const factor = limit !== undefined && gradNorm[group] > limit ? limit / gradNorm[group] : 1;
        for (const n of groups[group]) {
          const g = result.grads[n]!;
          byVariable.set(store.variable(n).name, factor === 1 ? g : tf.mul(g, factor));
          if (factor !== 1) g.dispose();
        }
      }
      optimizer.apply(names.map((n) => store.variable(n)), byVariable);
      for (const g of byVariable.values()) g.dispose();
      steps++;
      return { loss: result.loss, logMarginal: result.logMarginal, cost: result.cost, gradNorm, stats: result.stats };
    },
  };
}
