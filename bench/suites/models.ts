import * as tf from '@tensorflow/tfjs';
import { estimatorOptions } from '../../examples/run.js';
import { registry, type Batch } from '../../examples/registry.js';
import { vae } from '../../examples/vae-mnist/model.js';
import { lognormal, normal } from '../../src/dsl/distributions/index.js';
import { observe, param, plate, sample } from '../../src/dsl/primitives.js';
import { adam, elbo, iwae, svi, type Svi, type SviOptions } from '../../src/inference/index.js';
import { ParamStore, setParamStore } from '../../src/runtime/param-store.js';
import { Stream } from '../../src/runtime/rng.js';
import { useKernels } from '../lib/kernels.js';
import { kernelsPerStep, type KernelCount } from '../lib/profile.js';
import { vaeBatch } from '../lib/vae-data.js';
import { interleave, median, pairedRatio, round } from '../lib/timing.js';
import { tinyData, tinyGuide, tinyModel } from './tiny-model.js';

/**
 * Compiled against eager svi steps on the workloads of the compiled-steps issue, with its targets:
 * "figure-eight step <= 2 ms; eight schools (non-centred, 10 latents) ELBO step <= 0.3 ms; VAE IWAE-5
 * step <= 1.1x plain PyTorch's on the same CPU", and the 3-site model of the `tiny` suite.
 *
 * Each workload is fitted twice, `compile: false` and `compile: true`, with the same seed, each with its
 * own param store (swapped in before each of its rounds), so both are genuine fits from the same
 * initial params and, stepping in lockstep, draw the same random numbers (the debiased estimators the
 * same level per step). Both are warmed up before timing; the compiled fit must then run compiled.
 */

/** Steps each fit runs before timing (at least 10: the first 3 of a structure run eagerly). */
const WARMUP_STEPS = 20;
/** The debiased estimators compile per level drawn: a longer warm-up so the common levels are compiled. */
const WARMUP_STEPS_DEBIASED = 200;

/** The target for a workload: compiled ms per step at most `maxMs`, or at most `maxRatio` x PyTorch's. */
export type Target =
  | { readonly description: string; readonly maxMs: number }
  | {
      readonly description: string;
      readonly maxRatioToPytorch: number;
      /** PyTorch's median ms per step on this CPU (bench/pytorch_vae.py), null when torch is not installed. */
      readonly pytorchMs: number | null;
      readonly reference: string;
    };

export interface ModelWorkloadResult {
  readonly description: string;
  readonly settings: Readonly<Record<string, number | string>>;
  /** `fit.mode` after the warm-up, and after the timed rounds, per fit. */
  readonly mode: { readonly eager: string; readonly compiled: string };
  /** How the compiled fit's timed steps ran: count per mode ('compiled', 'recording', 'eager: <why>'). */
  readonly compiledStepModes: Readonly<Record<string, number>>;
  /** Fraction of the compiled fit's timed steps that ran compiled (1 unless the structure varies per step). */
  readonly compiledFraction: number;
  /** Median ms per step (a round is `stepsPerRound` steps; its time over the steps). */
  readonly msPerStep: { readonly eager: number; readonly compiled: number };
  readonly stepsPerSecond: { readonly eager: number; readonly compiled: number };
  /** Eager ms / compiled ms, median of per-round ratios. */
  readonly speedup: number;
  /** tf.profile of steps after the timed ones (a compiled replay launches no tfjs kernel: 0). */
  readonly kernelsPerStep: { readonly eager: KernelCount; readonly compiled: KernelCount };
  /** `fit.profile(...)`: where a compiled replay spends its time, the largest kernels (median ms over 5 replays). */
  readonly compiledProfile?: ReadonlyArray<readonly [string, number]>;
  /** Notes svi gave on why a structure stays eager (`onCompileNote`). */
  readonly compileNotes: readonly string[];
  /**
   * The two fits' params after every step above (same seed, same steps): the largest |eager - compiled|
   * over all param values, and over params the largest such difference / (max |eager value| + 1e-6).
   * Compiled steps compute the same numbers to float32 rounding, so both stay small.
   */
  readonly paramAgreement: { readonly params: number; readonly maxAbsDifference: number; readonly maxRelativeDifference: number };
  readonly target?: Target;
  /** Whether the compiled step meets the target; null when it cannot be decided here (no PyTorch). */
  readonly meetsTarget?: boolean | null;
  /** VAE only: the compiled step against the PyTorch reference range (measured on another day). */
  readonly vsReference?: { readonly pytorchMs: readonly [number, number]; readonly ratio: readonly [number, number]; readonly meetsTarget: boolean; readonly note: string };
}

export interface ModelsResult {
  readonly description: string;
  readonly rounds: number;
  readonly workloads: Readonly<Record<string, ModelWorkloadResult>>;
}

interface Built {
  readonly model: (...args: never[]) => void;
  readonly guide: (...args: never[]) => void;
  readonly args: readonly unknown[];
  readonly options: Pick<SviOptions, 'estimator' | 'model' | 'guide' | 'optimizer'>;
  /** Tensors to dispose at the end (data, constants the model closes over). */
  readonly owned: readonly tf.Tensor[];
}

interface Workload {
  readonly name: string;
  readonly description: string;
  readonly settings: Readonly<Record<string, number | string>>;
  /** Builds the model, guide and data; called with an empty param store current (once per fit). */
  readonly build: () => Built | Promise<Built>;
  readonly seed: number;
  readonly stepsPerRound: number;
  readonly warmup: number;
  /** Whether each step's structure is the same (then every timed compiled step must run compiled). */
  readonly fixedStructure: boolean;
  readonly target?: Target;
}

const EIGHT_SCHOOLS_Y = [28, 8, -3, 7, -1, 1, 18, 12];
const EIGHT_SCHOOLS_SIGMA = [15, 10, 16, 11, 9, 11, 10, 18];

/**
 * Eight schools, non-centred: mu ~ N(0, 5), tau ~ LogNormal(0, 1) (roulette has no half-Cauchy; a
 * positive prior is what the parameterisation needs), theta_tilde_j ~ N(0, 1), theta_j = mu + tau
 * theta_tilde_j, y_j ~ N(theta_j, sigma_j): 10 latents. Mean-field guide: normal for mu and each
 * theta_tilde_j, lognormal for tau (scales positive-constrained params).
 */
function eightSchools(): Workload {
  return {
    name: 'eightSchools',
    description:
      'eight schools, non-centred (mu ~ N(0, 5), tau ~ LogNormal(0, 1), theta_tilde_j ~ N(0, 1), y_j ~ N(mu + tau theta_tilde_j, sigma_j); classic data; 10 latents), mean-field guide (normal; lognormal for tau), elbo() 1 particle, adam lr 0.01',
    settings: { estimator: 'elbo', particles: 1, optimizer: 'adam', lr: 0.01, latents: 10 },
    seed: 11,
    stepsPerRound: 20,
    warmup: WARMUP_STEPS,
    fixedStructure: true,
    target: { description: 'compiled ELBO step <= 0.3 ms', maxMs: 0.3 },
    build() {
      const y = tf.tensor1d(EIGHT_SCHOOLS_Y);
      const sigma = tf.tensor1d(EIGHT_SCHOOLS_SIGMA);
      const model = (yv: tf.Tensor1D, s: tf.Tensor1D): void => {
        const mu = sample('mu', normal(0, 5));
        const tau = sample('tau', lognormal(0, 1));
        plate('schools', 8, () => {
          const thetaTilde = sample('thetaTilde', normal(0, 1));
          observe('y', normal(tf.add(mu, tf.mul(tau, thetaTilde)), s), yv);
        });
      };
      const positive = { constraint: 'positive' } as const;
      const guide = (): void => {
        sample('mu', normal(param('mu.loc', 0), param('mu.scale', 1, positive)));
        sample('tau', lognormal(param('tau.loc', 0), param('tau.scale', 1, positive)));
        plate('schools', 8, () => {
          sample('thetaTilde', normal(param('thetaTilde.loc', () => tf.zeros([8])), param('thetaTilde.scale', () => tf.ones([8]), positive)));
        });
      };
      return { model, guide, args: [y, sigma], options: { estimator: elbo(), optimizer: adam({ lr: 0.01 }) }, owned: [y, sigma] };
    },
  };
}

/**
 * The gallery's figure-eight VAE (examples/figure-eight), built as examples/run.ts builds it: the
 * registry's data (seed 0) and model, estimatorOptions with the example's defaults (k = 5, r = 0.625,
 * m = 1), adam at its lr (2.5e-4), a fixed minibatch of its default batch size (100 rows).
 */
function figureEight(estimator: 'iwae' | 'mlrr' | 'sumo'): Workload {
  const example = registry.get('figure-eight')!;
  const h = example.defaults;
  const what = { iwae: `IWAE k = ${h.k}`, mlrr: `ML-RR r = ${h.r}, level ${h.level} (iwae k = ${h.k} guide objective)`, sumo: `SUMO m = ${h.m} (iwae k = ${h.k} guide objective)` }[estimator];
  const debiased = estimator !== 'iwae';
  return {
    name: estimator === 'iwae' ? 'figureEight' : `figureEight${estimator === 'mlrr' ? 'Mlrr' : 'Sumo'}`,
    description: `figure-eight VAE (examples/figure-eight: 1-d latent, 3 x 50 leaky-ReLU MLPs), batch ${h.batch}, ${what}, adam lr ${h.lr}${debiased ? '; a level is drawn per step and each level compiles on its own' : ''}`,
    settings: { estimator, k: h.k, ...(estimator === 'mlrr' ? { r: h.r, level: h.level } : {}), ...(estimator === 'sumo' ? { m: h.m } : {}), optimizer: h.optimizer, lr: h.lr, batch: h.batch },
    seed: 5,
    stepsPerRound: 5,
    warmup: debiased ? WARMUP_STEPS_DEBIASED : WARMUP_STEPS,
    fixedStructure: !debiased,
    ...(estimator === 'iwae' ? { target: { description: 'compiled IWAE-5 step <= 2 ms', maxMs: 2 } } : {}),
    async build() {
      const data = await example.load(0, false);
      if ('skipped' in data) throw new Error(`bench models: figure-eight data: ${data.skipped}`);
      const built = example.build(data);
      const batch: Batch = data.train.batch(
        Array.from({ length: h.batch }, (_, i) => i),
        Stream.fromSeed('bench'),
      );
      data.dispose();
      return {
        model: built.model,
        guide: built.guide,
        args: [batch],
        options: { ...estimatorOptions(estimator, h, example), optimizer: adam({ lr: h.lr }) },
        owned: [...batch, ...(built.owned ?? [])],
      };
    },
  };
}

/** The VAE of bench/suites/vae-step.ts (examples/vae-mnist, 784-200-200-20 tanh), IWAE-5, batch 100 MNIST digits. */
function vaeMnist(): Workload {
  return {
    name: 'vae',
    description: 'VAE 784-200-200-20 (tanh, examples/vae-mnist/model.ts), IWAE-5, batch 100 binarised MNIST digits (bench/lib/vae-data.ts), adam lr 1e-3',
    settings: { estimator: 'iwae', k: 5, optimizer: 'adam', lr: 1e-3, batch: 100 },
    seed: 1,
    stepsPerRound: 1,
    warmup: WARMUP_STEPS,
    fixedStructure: true,
    target: {
      description: 'compiled IWAE-5 step <= 1.1x plain PyTorch on the same CPU (bench/pytorch_vae.py)',
      maxRatioToPytorch: 1.1,
      pytorchMs: null,
      reference: "torch is not installed here; the issue's measurement: plain PyTorch 13.7-15.6 ms per step on this project's Intel machine (1 thread)",
    },
    build() {
      const { x, outputBias } = vaeBatch();
      const { model, guide } = vae({ latent: 20, hidden: [200, 200], outputBias });
      return { model, guide, args: [x], options: { estimator: iwae({ k: 5 }), optimizer: adam({ lr: 1e-3 }) }, owned: [x, outputBias] };
    },
  };
}

/** The 3-site model of bench/suites/tiny-model.ts. */
function tiny(): Workload {
  return {
    name: 'tiny',
    description: 'the 3-site model of the tiny suite (mu, logSigma ~ N(0, 1); 10 points x ~ N(mu, exp(logSigma))), mean-field normal guide, elbo() 1 particle, adam (svi default)',
    settings: { estimator: 'elbo', particles: 1, optimizer: 'adam (default)' },
    seed: 2,
    stepsPerRound: 20,
    warmup: WARMUP_STEPS,
    fixedStructure: true,
    build() {
      const x = tinyData();
      return { model: tinyModel, guide: tinyGuide, args: [x], options: { estimator: elbo() }, owned: [x] };
    },
  };
}

type Mode = 'eager' | 'compiled';

interface Fitted {
  readonly fit: Svi<unknown[]>;
  readonly store: ParamStore;
  readonly built: Built;
  readonly notes: string[];
  /** Count of `fit.mode` per step while `counting`. */
  readonly modes: Record<string, number>;
}

/** Replays profiled by `fit.profile` (each changes nothing); one replay's times carry one-off spikes on a shared machine. */
const PROFILE_REPLAYS = 5;

/** `fit.profile(...args)` `PROFILE_REPLAYS` times: per kernel the median ms, largest first; undefined if not compiled. */
function medianProfile(fit: Svi<unknown[]>, args: readonly unknown[]): [string, number][] | undefined {
  const times = new Map<string, number[]>();
  for (let i = 0; i < PROFILE_REPLAYS; i++) {
    const p = fit.profile(...args);
    if (!p) return undefined;
    for (const [name, ms] of p) times.set(name, [...(times.get(name) ?? []), ms]);
  }
  return [...times]
    .map(([name, ms]) => [name, median(ms)] as [string, number])
    .sort((a, b) => b[1] - a[1]);
}

function paramAgreement(a: ParamStore, b: ParamStore): ModelWorkloadResult['paramAgreement'] {
  let maxAbs = 0;
  let maxRel = 0;
  const names = a.names();
  for (const name of names) {
    if (!b.has(name)) throw new Error(`bench models: param '${name}' exists in the eager fit only`);
    const [x, y] = [a.variable(name).dataSync(), b.variable(name).dataSync()];
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
      scale = Math.max(scale, Math.abs(x[i]!));
    }
    maxAbs = Math.max(maxAbs, diff);
    maxRel = Math.max(maxRel, diff / (scale + 1e-6));
  }
  return { params: names.length, maxAbsDifference: round(maxAbs), maxRelativeDifference: round(maxRel) };
}

/** Runs `f` with `store` as the global param store (each fit keeps its own params and optimiser state). */
function inStore<T>(store: ParamStore, f: () => T): T {
  const previous = setParamStore(store);
  try {
    return f();
  } finally {
    setParamStore(previous);
  }
}

async function runWorkload(w: Workload, rounds: number): Promise<ModelWorkloadResult> {
  await useKernels('native', 1);
  const fits = {} as Record<Mode, Fitted>;
  for (const mode of ['eager', 'compiled'] as const) {
    const store = new ParamStore();
    const notes: string[] = [];
    const previous = setParamStore(store);
    const b = await w.build();
    setParamStore(previous);
    const [fit, built] = inStore(store, () => {
      const f = svi(b.model as (...args: unknown[]) => void, b.guide as (...args: unknown[]) => void, {
        ...b.options,
        seed: w.seed,
        compile: mode === 'compiled',
        onCompileNote: (note) => void notes.push(note),
      });
      for (let s = 0; s < w.warmup; s++) f.step(...b.args);
      return [f, b] as const;
    });
    fits[mode] = { fit, store, built, notes, modes: {} };
  }
  const modeAfterWarmup = { eager: fits.eager.fit.mode, compiled: fits.compiled.fit.mode };
  if (modeAfterWarmup.eager !== 'eager') throw new Error(`bench models: ${w.name}: the compile: false fit reports mode '${modeAfterWarmup.eager}'`);
  if (w.fixedStructure && modeAfterWarmup.compiled !== 'compiled') {
    throw new Error(`bench models: ${w.name}: after ${w.warmup} steps the compile: true fit runs as '${modeAfterWarmup.compiled}', not 'compiled' (notes: ${fits.compiled.notes.join('; ') || 'none'})`);
  }

  const run = (f: Fitted) => (): void => {
    const previous = setParamStore(f.store);
    for (let s = 0; s < w.stepsPerRound; s++) {
      f.fit.step(...f.built.args);
      f.modes[f.fit.mode] = (f.modes[f.fit.mode] ?? 0) + 1;
    }
    setParamStore(previous);
  };
  // No extra warm-up here: the fits are warm, and both must take the same number of steps (same levels).
  const t = await interleave({ eager: { run: run(fits.eager) }, compiled: { run: run(fits.compiled) } }, { repeats: rounds, warmup: 0 });
  const perStep = (ms: number): number => round(ms / w.stepsPerRound);
  const compiledModes = { ...fits.compiled.modes };
  const timedSteps = Object.values(compiledModes).reduce((a, b) => a + b, 0);
  const compiledFraction = round((compiledModes['compiled'] ?? 0) / timedSteps);
  if (w.fixedStructure && compiledFraction !== 1) {
    throw new Error(`bench models: ${w.name}: only ${compiledFraction} of the compiled fit's timed steps ran compiled (${JSON.stringify(compiledModes)}; notes: ${fits.compiled.notes.join('; ') || 'none'})`);
  }
  const modeAfter = { eager: fits.eager.fit.mode, compiled: fits.compiled.fit.mode };

  // Kernels per step: both fits step on in lockstep (5 profiled steps each: the levels vary for debiased estimators).
  const profiledSteps = w.fixedStructure ? 1 : 5;
  const kernels = {} as Record<Mode, KernelCount>;
  for (const mode of ['eager', 'compiled'] as const) {
    const f = fits[mode];
    const previous = setParamStore(f.store);
    kernels[mode] = await kernelsPerStep(() => f.fit.step(...f.built.args), { steps: profiledSteps });
    setParamStore(previous);
  }
  const profile = inStore(fits.compiled.store, () => medianProfile(fits.compiled.fit, fits.compiled.built.args));
  const agreement = paramAgreement(fits.eager.store, fits.compiled.store);
  for (const f of Object.values(fits)) {
    f.store.clear();
    tf.dispose([...f.built.owned]);
  }

  const ms = { eager: perStep(t.eager.medianMs), compiled: perStep(t.compiled.medianMs) };
  const notes = [...new Set([...fits.eager.notes, ...fits.compiled.notes])];
  const result = {
    description: w.description,
    settings: { ...w.settings, seed: w.seed, stepsPerRound: w.stepsPerRound, warmupSteps: w.warmup, backend: 'wasm, native kernels, 1 thread' },
    mode: {
      eager: modeAfter.eager === modeAfterWarmup.eager ? modeAfter.eager : `${modeAfterWarmup.eager}, then ${modeAfter.eager}`,
      compiled: modeAfter.compiled === modeAfterWarmup.compiled ? modeAfter.compiled : `${modeAfterWarmup.compiled}, then ${modeAfter.compiled}`,
    },
    compiledStepModes: compiledModes,
    compiledFraction,
    msPerStep: ms,
    stepsPerSecond: { eager: round(1000 / ms.eager), compiled: round(1000 / ms.compiled) },
    speedup: pairedRatio(t.eager, t.compiled),
    kernelsPerStep: kernels,
    ...(profile ? { compiledProfile: profile.slice(0, 6).map(([name, v]) => [name, round(v)] as const) } : {}),
    compileNotes: notes,
    paramAgreement: agreement,
  };
  if (!w.target) return result;
  if ('maxMs' in w.target) return { ...result, target: w.target, meetsTarget: ms.compiled <= w.target.maxMs };
  const target = w.target;
  const [low, high] = [13.7, 15.6];
  return {
    ...result,
    target,
    meetsTarget: target.pytorchMs === null ? null : ms.compiled <= target.maxRatioToPytorch * target.pytorchMs,
    vsReference: {
      pytorchMs: [low, high],
      ratio: [round(ms.compiled / low), round(ms.compiled / high)],
      meetsTarget: ms.compiled <= target.maxRatioToPytorch * low,
      note: "against the issue's PyTorch range, measured on another day (not interleaved with this run); meetsTarget uses the range's fast end, 1.1 x 13.7 ms",
    },
  };
}

/** The workloads, in order; `models.workloads.<name>` in the JSON. */
export const MODEL_WORKLOADS: ReadonlyArray<() => Workload> = [eightSchools, () => figureEight('iwae'), () => figureEight('mlrr'), () => figureEight('sumo'), vaeMnist, tiny];

export async function modelsSuite(repeats: number): Promise<ModelsResult> {
  const rounds = repeats * 5;
  const workloads: Record<string, ModelWorkloadResult> = {};
  for (const make of MODEL_WORKLOADS) {
    const w = make();
    workloads[w.name] = await runWorkload(w, rounds);
  }
  await useKernels('native', 1);
  return {
    description:
      "svi steps compile: false vs compile: true (same seed, own param stores, warmed up), interleaved rounds on wasm with native kernels, 1 thread; speedup = eager / compiled, median of per-round ratios; targets from the compiled-steps issue",
    rounds,
    workloads,
  };
}
