import * as tf from '@tensorflow/tfjs';
import { activeNativeAddon } from '../runtime/backend.js';
import { hostValues } from '../runtime/compile/host-memory.js';
import { fail } from '../runtime/errors.js';
import { getParamStore } from '../runtime/param-store.js';
import { currentRandom, Stream } from '../runtime/rng.js';
import { compileByDefault, StepCompiler, type ReplayedGradients } from './compiled-step.js';
import { estimatorsOf, GRADIENT_OPTION_SPECS, gradientStructure, gradientTensors, type GradientOptions } from './gradients.js';
import { EarlyStopping, EARLY_STOPPING_SPECS, type EarlyStoppingOptions } from './early-stopping.js';
import { reportNonFinite } from './nonfinite.js';
import { adam, type HostGradient, type Optimizer } from './optim.js';
import { checkOptions } from './options.js';
import type { Program } from './program.js';

export interface SviOptions extends Omit<GradientOptions, 'seed'> {
  /** Default adam({ lr: 1e-3 }). */
  readonly optimizer?: Optimizer;
  /** Clip each group's gradient to this global norm: a number for both, or per group. */
  readonly clip?: number | { readonly model?: number; readonly guide?: number };
  /** Seed of every step's randomness; default: a fork of the current random scope. */
  readonly seed?: number | string;
  /**
   * The number of steps already taken (default 0), when resuming a saved fit: step n draws from the
   * n-th split of the seed's stream, so a fit resumed at its step count, with the optimiser's state
   * restored (`optimizer.setState`), takes the steps the unbroken fit would have taken.
   */
  readonly initialStep?: number;
}

export interface FitOptions {
  /** Steps to take at most (an integer >= 1). */
  readonly steps: number;
  /** Called after every step with its result and the step count; returning false stops the fit. */
  readonly onStep?: (result: StepResult, step: number) => boolean | void;
  /** Stop when the smoothed objective stops improving (src/inference/early-stopping.ts). */
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Stop after the current step when this signal aborts (e.g. on Ctrl-C). */
  readonly signal?: AbortSignal;
}

export interface FitResult {
  /** Steps taken by this call. */
  readonly steps: number;
  /** Why it stopped: all steps taken, early stopping, onStep returned false, or the signal aborted. */
  readonly stopped: 'completed' | 'early' | 'callback' | 'aborted';
  readonly last: StepResult | undefined;
  /** Early stopping's best smoothed objective, when it was on. */
  readonly best?: number;
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
  /**
   * Up to `options.steps` steps on `args`, with a callback after each, early stopping and an abort
   * signal. It yields to the event loop every few milliseconds, so timers and signals (Ctrl-C) are seen.
   *
   * @example
   * const r = await fit.fit({ steps: 5000, earlyStopping: { patience: 200, minDelta: 0.01 } }, data);
   */
  fit(options: FitOptions, ...args: A): Promise<FitResult>;
  /** The programs being fitted: `summary(fit, args)` and `importance(fit.model, fit.guide, args)` read them. */
  readonly model: Program<A>;
  readonly guide: Program<A>;
  readonly optimizer: Optimizer;
  /** Steps taken. */
  readonly steps: number;
  /**
   * How the last step ran: 'compiled', 'eager' (compile: false), 'recording' (the first steps of a
   * structure), or 'eager: <why>' when its structure cannot be compiled.
   */
  readonly mode: string;
  /**
   * Where a compiled step on `args` spends its time: milliseconds per kernel (name and output shape),
   * largest first, from one replay that changes nothing; undefined while that structure is not compiled.
   */
  profile(...args: A): [string, number][] | undefined;
}

function sumOfSquares(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return s;
}

/** The global norm of each group, summed on the host (no kernels, no copies where memory is addressable). */
function groupNorms(groups: Readonly<Record<'model' | 'guide', readonly string[]>>, values: (name: string) => ArrayLike<number>): { model: number; guide: number } {
  const norm = (names: readonly string[]): number => Math.sqrt(names.reduce((s, n) => s + sumOfSquares(values(n)), 0));
  return { model: norm(groups.model), guide: norm(groups.guide) };
}

/**
 * A clip limit <= 0 would freeze training (0) or turn descent into ascent (< 0): refuse it.
 */
function checkClip(clip: SviOptions['clip']): void {
  if (clip === undefined) return;
  const limit = { kind: 'number', above: 0 } as const;
  if (typeof clip === 'number') {
    checkOptions('svi', { clip }, { clip: limit });
    return;
  }
  checkOptions('svi: clip', clip, { model: limit, guide: limit });
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
  if (typeof model !== 'function' || typeof guide !== 'function') {
    fail('invalid-argument', `svi(model, guide, options): model and guide must be functions, got ${typeof model} and ${typeof guide}`);
  }
  checkOptions('svi', options, {
    ...GRADIENT_OPTION_SPECS,
    optimizer: { kind: 'optimizer' },
    clip: { kind: 'custom', expects: 'a number > 0 or { model?, guide? } of such numbers' },
    initialStep: { kind: 'integer', min: 0 },
  });
  estimatorsOf(options); // fail early on a missing estimator
  checkClip(options.clip);
  const optimizer = options.optimizer ?? adam();
  const root = options.seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(options.seed);
  const clip = typeof options.clip === 'number' ? { model: options.clip, guide: options.clip } : (options.clip ?? {});
  const compiler = !(options.compile ?? compileByDefault()) ? undefined : new StepCompiler(activeNativeAddon(), options.onCompileNote);
  let steps = options.initialStep ?? 0;
  let mode = compiler ? 'recording' : 'eager';

  const groupsOf = (names: readonly string[]): Record<'model' | 'guide', string[]> => {
    const store = getParamStore();
    return { model: names.filter((n) => store.role(n) === 'model'), guide: names.filter((n) => store.role(n) !== 'model') };
  };
  const factors = (gradNorm: { model: number; guide: number }): { model: number; guide: number } => {
    const factor = (group: 'model' | 'guide'): number => {
      const limit = clip[group];
      return limit !== undefined && gradNorm[group] > limit ? limit / gradNorm[group] : 1;
    };
    return { model: factor('model'), guide: factor('guide') };
  };

  /** Finish a replayed step on the host; undefined (nothing changed) when something is not finite. */
  const finishReplay = (r: ReplayedGradients): StepResult | undefined => {
    const names = [...r.grads.keys()];
    const groups = groupsOf(names);
    const gradNorm = groupNorms(groups, (n) => r.grads.get(n)!);
    if (!Number.isFinite(gradNorm.model) || !Number.isFinite(gradNorm.guide) || !Number.isFinite(r.loss)) return undefined;
    const scale = factors(gradNorm);
    const store = getParamStore();
    const entries: HostGradient[] = names.map((n) => ({ variable: store.variable(n), grad: () => r.grads.get(n)!, scale: scale[store.role(n) === 'model' ? 'model' : 'guide'] }));
    if (!optimizer.applyHost?.(entries)) {
      const byVariable = new Map(entries.map((e) => [e.variable.name, tf.tensor(Float32Array.from(e.grad(), (g) => g * e.scale), e.variable.shape)] as const));
      optimizer.apply(entries.map((e) => e.variable), byVariable);
      for (const g of byVariable.values()) g.dispose();
    }
    return { loss: r.loss, logMarginal: r.objective, cost: r.cost, gradNorm, stats: r.stats };
  };

  const self: Svi<A> = {
    model,
    guide,
    optimizer,
    fit: (fitOptions, ...args) => fitLoop(self, fitOptions, args),
    get steps() {
      return steps;
    },
    get mode() {
      return mode;
    },
    profile(...args: A) {
      if (!compiler) return undefined;
      const stream = root.split(steps);
      const key = compiler.key(args, gradientStructure(model, guide, args, { ...options, seed: stream }));
      return compiler.profile(key, args, stream);
    },
    step(...args: A): StepResult {
      const stream = root.split(steps);
      const structure = compiler ? gradientStructure(model, guide, args, { ...options, seed: stream }) : undefined;
      const key = structure && compiler?.key(args, structure);
      if (compiler && key !== undefined) {
        const replayed = compiler.replay(key, args, stream);
        const result = replayed && finishReplay(replayed);
        if (result) {
          steps++;
          mode = 'compiled';
          return result;
        }
      }
      const compute = () => gradientTensors(model, guide, args, { ...options, seed: stream });
      const t = compiler && key !== undefined && structure ? compiler.eager(key, args, stream, structure, compute) : compute();
      mode = compiler && key !== undefined ? compiler.status(key) : 'eager';
      const loss = t.loss.dataSync()[0]!;
      const logMarginal = t.objective.dataSync()[0]!;
      t.loss.dispose();
      t.objective.dispose();
      const result = { grads: t.grads, loss, cost: t.cost };
      const store = getParamStore();
      const names = Object.keys(result.grads);
      const groups = groupsOf(names);
      // A non-finite gradient makes its group's norm non-finite.
      const gradNorm = groupNorms(groups, (n) => hostValues(result.grads[n]!));
      if (!Number.isFinite(gradNorm.model) || !Number.isFinite(gradNorm.guide) || !Number.isFinite(result.loss)) {
        const bad = names.filter((n) => !tf.tidy(() => tf.all(tf.isFinite(result.grads[n]!)).dataSync()[0] === 1));
        for (const g of Object.values(result.grads)) g.dispose();
        reportNonFinite({ model, guide, args, vectorize: options.vectorize ?? true, ...(options.allowPriorDraws ? { allowPriorDraws: true } : {}) }, stream.split(10), result.cost, bad, result.loss);
      }
      const scale = factors(gradNorm);
      const groupOf = (n: string): 'model' | 'guide' => (store.role(n) === 'model' ? 'model' : 'guide');
      const entries: HostGradient[] = names.map((n) => ({ variable: store.variable(n), grad: () => hostValues(result.grads[n]!), scale: scale[groupOf(n)] }));
      if (!optimizer.applyHost?.(entries)) {
        // An optimiser without a host form: the tensor update, on clipped gradients.
        const clipped = names.map((n) => (scale[groupOf(n)] === 1 ? result.grads[n]! : tf.mul(result.grads[n]!, scale[groupOf(n)])));
        optimizer.apply(entries.map((e) => e.variable), new Map(names.map((n, i) => [store.variable(n).name, clipped[i]!] as const)));
        clipped.forEach((g, i) => g !== result.grads[names[i]!] && g.dispose());
      }
      for (const g of Object.values(result.grads)) g.dispose();
      steps++;
      return { loss, logMarginal, cost: t.cost, gradNorm, stats: t.stats };
    },
  };
  return self;
}

const FIT_SPECS = {
  steps: { kind: 'integer', min: 1 },
  onStep: { kind: 'function' },
  earlyStopping: { kind: 'custom', expects: '{ patience, minDelta?, window? }' },
  signal: { kind: 'custom', expects: 'an AbortSignal' },
} as const;

/**
 * Let the event loop run (signals, timers, I/O): setImmediate in Node (a zero timeout waits at least
 * a millisecond there), a zero timeout in browsers. Read through globalThis: browsers have no
 * setImmediate (test/package/browser-build.test.ts).
 */
const yieldToEventLoop = (): Promise<void> => {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (typeof immediate === 'function' ? immediate(() => resolve()) : setTimeout(resolve, 0)));
};

async function fitLoop<A extends unknown[]>(fit: Svi<A>, options: FitOptions, args: A): Promise<FitResult> {
  checkOptions('fit', options, FIT_SPECS);
  if (options?.steps === undefined) fail('invalid-argument', 'fit: steps is required (an integer >= 1: the most steps to take)', 'steps');
  if (options.signal !== undefined && typeof options.signal?.aborted !== 'boolean') fail('invalid-argument', 'fit: option signal must be an AbortSignal (new AbortController().signal)', 'signal');
  if (options.earlyStopping !== undefined) checkOptions('fit: earlyStopping', options.earlyStopping, EARLY_STOPPING_SPECS);
  const stopping = options.earlyStopping && new EarlyStopping(options.earlyStopping);
  const best = (): { best?: number } => (stopping ? { best: stopping.best } : {});
  let last: StepResult | undefined;
  let lastYield = performance.now();
  for (let done = 0; done < options.steps; ) {
    if (options.signal?.aborted) return { steps: done, stopped: 'aborted', last, ...best() };
    let result: StepResult | undefined;
    tf.tidy(() => {
      result = fit.step(...args);
    });
    last = result!;
    done++;
    if (options.onStep?.(last, fit.steps) === false) return { steps: done, stopped: 'callback', last, ...best() };
    if (stopping?.update(last.logMarginal)) return { steps: done, stopped: 'early', last, ...best() };
    // A compiled step takes microseconds: yield every few milliseconds, not after every step.
    if (performance.now() - lastYield > 5) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  return { steps: options.steps, stopped: options.signal?.aborted ? 'aborted' : 'completed', last, ...best() };
}
