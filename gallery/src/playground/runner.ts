/**
 * The training loop of the page: `svi` steps in time slices, yielding to the event loop between slices
 * so the page stays responsive, Stop (an AbortSignal) is seen, and the plot redraws. Every step runs in
 * `tf.tidy`; the data tensors and the optimiser's slots are disposed when the run ends, and the params
 * stay in the store until the next run clears it. `timeSteps` runs a short trial of the same fit on a
 * throwaway param store, for choosing the backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { CompiledProgram, DataRecord } from '../../../src/dsl/lang/index.js';
import { adam, svi, type EstimatorChoice, type StepResult, type Svi } from '../../../src/inference/index.js';
import { ParamStore, clearParamStore, setParamStore } from '../../../src/runtime/index.js';
import { describeData, type ArrayData } from './datasets.js';
import { PlaygroundError } from './errors.js';

export interface RunSettings {
  readonly program: CompiledProgram;
  readonly data: Readonly<Record<string, ArrayData>>;
  readonly estimator: EstimatorChoice;
  readonly steps: number;
  readonly lr: number;
  readonly seed: number;
}

/** What the page shows after every slice of steps. */
export interface Progress {
  readonly steps: number;
  readonly stepsPerSecond: number;
  /** The model-side estimate of each new step (ELBO, IWAE bound, or unbiased log p(x) estimate). */
  readonly newObjectives: readonly number[];
  readonly last: StepResult;
  /** Live tensors now, and their change since the first step (0 when memory is flat). */
  readonly tensors: number;
  readonly tensorGrowth: number;
  /** The data plate's size, to show estimates per datapoint (undefined without one top-level plate). */
  readonly datapoints: number | undefined;
}

export type Outcome =
  | { readonly kind: 'finished'; readonly steps: number }
  | { readonly kind: 'stopped'; readonly steps: number }
  | { readonly kind: 'failed'; readonly steps: number; readonly error: unknown };

/** About two frames of work per slice: smooth enough to type and click while it trains. */
const SLICE_MS = 30;

/**
 * Yield to the event loop: a message to ourselves, a task like setTimeout(0) but without the 4 ms
 * clamp browsers put on nested timers (with 30 ms slices that clamp idled 12% of a run away).
 */
const waiting: (() => void)[] = [];
const channel = new MessageChannel();
channel.port1.onmessage = () => waiting.shift()?.();
const nextTask = (): Promise<void> =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });

/** The declared data variables as tensors; a variable the data set lacks is an error naming both. */
function dataTensors(program: CompiledProgram, data: Readonly<Record<string, ArrayData>>): DataRecord {
  const missing = program.dataSpec.variables.filter((v) => !(v.name in data)).map((v) => program.dataSpec.describe(v.name));
  if (missing.length > 0) {
    throw new PlaygroundError(`the model reads data ${missing.join(', ')}, which this data set does not have (it has ${describeData(data)}); rename the data declarations`);
  }
  return Object.fromEntries(program.dataSpec.variables.map((v) => [v.name, tf.tensor(data[v.name]!.values, [...data[v.name]!.shape])]));
}

/** The top-level plate's size, as `roulette fit` reports estimates per datapoint. */
function datapointCount(program: CompiledProgram, sizes: Readonly<Record<string, number>>): number | undefined {
  const top = [...program.info.plates.values()].filter((p) => p.parent === undefined);
  if (top.length !== 1) return undefined;
  const size = top[0]!.size;
  return typeof size === 'number' ? size : typeof size === 'string' ? sizes[size] : undefined;
}

/** One step inside `tf.tidy` (which cannot return the step's plain-number record directly). */
function tidyStep(fit: Svi<[DataRecord]>, data: DataRecord): StepResult {
  let result: StepResult | undefined;
  tf.tidy(() => {
    result = fit.step(data);
  });
  return result!;
}

export async function train(settings: RunSettings, signal: AbortSignal, onProgress: (progress: Progress) => void): Promise<Outcome> {
  clearParamStore();
  let steps = 0;
  let tensors: DataRecord = {};
  const optimizer = adam({ lr: settings.lr });
  try {
    tensors = dataTensors(settings.program, settings.data);
    const datapoints = datapointCount(settings.program, settings.program.dataSpec.bind(tensors));
    settings.program.dataSpec.validate(tensors);
    const fit = svi(settings.program.model, settings.program.guide, { ...settings.estimator, optimizer, seed: settings.seed });
    const start = performance.now();
    let baseline: number | undefined;
    while (steps < settings.steps && !signal.aborted) {
      const sliceStart = performance.now();
      const objectives: number[] = [];
      let last: StepResult | undefined;
      do {
        last = tidyStep(fit, tensors);
        steps++;
        objectives.push(last.logMarginal);
        // After the first step the optimiser's slots exist: from then on the count must stay put.
        baseline ??= tf.memory().numTensors;
      } while (steps < settings.steps && performance.now() - sliceStart < SLICE_MS);
      const now = tf.memory().numTensors;
      onProgress({ steps, stepsPerSecond: (steps * 1000) / (performance.now() - start), newObjectives: objectives, last, tensors: now, tensorGrowth: now - baseline, datapoints });
      await nextTask();
    }
    return signal.aborted && steps < settings.steps ? { kind: 'stopped', steps } : { kind: 'finished', steps };
  } catch (error) {
    return { kind: 'failed', steps, error };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
    optimizer.dispose();
  }
}

/**
 * How long a backend trial runs: warm-up steps (first-use costs: wasm's heap growth, WebGL's shader
 * compiles, and svi's first eager and two recording steps before it replays compiled ones), then timed ones.
 */
export interface TrialOptions {
  readonly warmup: number;
  /** At least this many timed steps, and at most `maxSteps`; in between, steps until `budgetMs` of them are timed. */
  readonly minSteps: number;
  readonly maxSteps: number;
  readonly budgetMs: number;
}

export const TRIAL: TrialOptions = { warmup: 5, minSteps: 3, maxSteps: 40, budgetMs: 120 };

/**
 * Steps per second of `settings`' fit on the active backend, measured on a throwaway param store (and
 * optimiser, data tensors): the page's params are put back untouched and every tensor of the trial is
 * disposed, so a run after the trial computes exactly what it computes without one. `settings` must be
 * fresh (its own compiled program and estimator objects): estimators may keep state between steps.
 * The rate counts the timed steps' own durations; between steps the page gets the event loop. Rejects
 * with what the fit throws (a non-finite step, a data mismatch).
 */
export async function timeSteps(settings: RunSettings, options: TrialOptions = TRIAL): Promise<number> {
  const trialStore = new ParamStore();
  // The trial's store is the global one only while trial code runs: whatever runs while this awaits
  // sees the page's store.
  const inTrial = <T>(body: () => T): T => {
    const outer = setParamStore(trialStore);
    try {
      return body();
    } finally {
      setParamStore(outer);
    }
  };
  let tensors: DataRecord = {};
  const optimizer = adam({ lr: settings.lr });
  try {
    tensors = dataTensors(settings.program, settings.data);
    settings.program.dataSpec.validate(tensors);
    const fit = inTrial(() => svi(settings.program.model, settings.program.guide, { ...settings.estimator, optimizer, seed: settings.seed }));
    // Each step reads its numbers back: a GPU's work is in the time.
    const step = (): StepResult => inTrial(() => tidyStep(fit, tensors));
    for (let i = 0; i < options.warmup; i++) {
      step();
      await nextTask();
    }
    let steps = 0;
    let timed = 0;
    while (steps < options.maxSteps && (steps < options.minSteps || timed < options.budgetMs)) {
      const start = performance.now();
      step();
      timed += performance.now() - start;
      steps++;
      await nextTask();
    }
    return (steps * 1000) / timed;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
    optimizer.dispose();
    trialStore.clear();
  }
}
