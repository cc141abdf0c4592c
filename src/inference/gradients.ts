import * as tf from '@tensorflow/tfjs';
import { activeNativeAddon } from '../runtime/backend.js';
import { isCapturing } from '../runtime/compile/capture.js';
import { fail, requireProgram } from '../runtime/errors.js';
import { getParamStore } from '../runtime/param-store.js';
import { currentRandom, Stream } from '../runtime/rng.js';
import type { Estimator, Role, StepStructure, Surrogate } from './estimator.js';
import { compileByDefault, StepCompiler } from './compiled-step.js';
import { prepared, type Problem, type Program } from './program.js';
import { checkOptions, type OptionSpecs } from './options.js';

export interface GradientOptions {
  /** One estimator for both parameter groups. */
  readonly estimator?: Estimator;
  /** The estimator whose gradient updates the model's params (theta). */
  readonly model?: Estimator;
  /** The estimator whose gradient updates the guide's params (phi); default: the model's. */
  readonly guide?: Estimator;
  /** Seed for this estimate; default: a fork of the current random scope. */
  readonly seed?: number | string | Stream;
  /** false: loop over particles instead of vectorising (same numbers). Default true. */
  readonly vectorize?: boolean;
  /**
   * Replay recorded computations as compiled programs (docs/compile.md): the same numbers as eager
   * ones, seed for seed, without tfjs's per-kernel cost. Default true (false where ROULETTE_COMPILE=0);
   * false runs everything eagerly.
   */
  readonly compile?: boolean;
  /** Told once per reason why a structure runs eagerly; default: console.warn. */
  readonly onCompileNote?: (note: string) => void;
  /**
   * Let model latents the guide does not sample be drawn from their priors, as part of the proposal
   * (default false: an error naming them). Reparameterised prior draws only; not with cisir.
   */
  readonly allowPriorDraws?: boolean;
  /**
   * Which params get gradients: 'both' (default), or only the 'model''s (theta) or the 'guide''s (phi),
   * the other group held fixed. The model estimator's estimate is reported either way.
   */
  readonly train?: 'both' | 'model' | 'guide';
}

export interface GradientResult {
  /** d loss / d param (unconstrained space), by param name; the caller disposes them. */
  readonly grads: Record<string, tf.Tensor>;
  /** The surrogate loss of the model-side estimator (minus its objective's gradient target). */
  readonly loss: number;
  /** The model-side estimator's estimate (full-data scale): ELBO, IWAE bound, or log p(x) estimate. */
  readonly logMarginal: number;
  /** Model evaluations per datapoint, summed over the estimators used. */
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

interface Pass {
  readonly grads: Record<string, tf.Tensor>;
  /** Scalars the caller reads and disposes. */
  readonly loss: tf.Scalar;
  readonly objective: tf.Scalar;
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

/** `GradientResult` before anything is read back: loss and objective are scalars the caller disposes. */
export interface GradientTensors {
  readonly grads: Record<string, tf.Tensor>;
  readonly loss: tf.Scalar;
  readonly objective: tf.Scalar;
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

/** The specs of `GradientOptions` (svi's options extend them). */
export const GRADIENT_OPTION_SPECS: OptionSpecs = {
  estimator: { kind: 'estimator' },
  model: { kind: 'estimator' },
  guide: { kind: 'estimator' },
  seed: { kind: 'seed' },
  vectorize: { kind: 'boolean' },
  compile: { kind: 'boolean' },
  onCompileNote: { kind: 'function' },
  allowPriorDraws: { kind: 'boolean' },
  train: { kind: 'oneOf', values: ['both', 'model', 'guide'] },
};

/** Resolve the estimators for theta and phi from the options (elbo-free: an estimator is required). */
export function estimatorsOf(options: GradientOptions): { model: Estimator; guide: Estimator } {
  const model = options?.model ?? options?.estimator ?? options?.guide;
  const guide = options?.guide ?? options?.estimator ?? options?.model;
  if (!model || !guide) {
    fail('invalid-argument', 'gradients/svi: give `estimator`, or `model` and/or `guide` estimators, e.g. { estimator: elbo() }', 'estimator');
  }
  return { model, guide };
}

function streamOf(seed: GradientOptions['seed']): Stream {
  if (seed instanceof Stream) return seed;
  return seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(seed);
}

function onePass<A extends unknown[]>(estimator: Estimator, problem: Problem<A>, stream: Stream, role: Role, names: readonly string[]): Pass {
  if (names.length === 0) return objectiveOnly(estimator, problem, stream, role);
  const store = getParamStore();
  const variables = names.map((n) => store.variable(n));
  const paramOf = new Map(variables.map((v, i) => [v.name, names[i]!] as const));
  let surrogate: Surrogate | undefined;
  let objective: tf.Scalar | undefined;
  const simulation = estimator.simulate?.(problem, stream, role);
  let value: tf.Scalar;
  let grads: tf.NamedTensorMap;
  try {
    ({ value, grads } = tf.variableGrads(() => {
      surrogate = estimator.surrogate(problem, stream, role, simulation);
      // A clone: the objective may be a tensor of the simulation, which is disposed below.
      objective = tf.keep(tf.clone(surrogate.objective));
      return surrogate.loss;
    }, variables));
  } catch (error) {
    objective?.dispose();
    throw error;
  } finally {
    simulation?.dispose();
  }
  const byParam: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) byParam[paramOf.get(varName) ?? varName] = g;
  return { grads: byParam, loss: value, objective: objective!, cost: surrogate!.cost, stats: surrogate!.stats };
}

/**
 * A role with no params still reports its estimator's own estimate (a fixed model fitted only through
 * its guide is still scored by, say, ML-RR, not by the guide's IWAE): the surrogate without a tape.
 */
function objectiveOnly<A extends unknown[]>(estimator: Estimator, problem: Problem<A>, stream: Stream, role: Role): Pass {
  const simulation = estimator.simulate?.(problem, stream, role);
  try {
    let cost = 0;
    let stats: Readonly<Record<string, number>> = {};
    const [loss, objective] = tf.tidy(() => {
      const s = estimator.surrogate(problem, stream, role, simulation);
      ({ cost, stats } = s);
      return [tf.clone(s.loss), tf.clone(s.objective)] as [tf.Scalar, tf.Scalar];
    });
    return { grads: {}, loss, objective, cost, stats };
  } finally {
    simulation?.dispose();
  }
}

function scalarOf(t: tf.Scalar): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/**
 * Gradient estimates for every param: theta from the model estimator, phi from the guide estimator.
 * With one estimator whose surrogate serves both groups, a single pass computes both.
 *
 * @example
 * const { grads, logMarginal } = gradients(model, guide, [x], { model: iwae({ k: 5 }), guide: iwae({ k: 5, dreg: true }), seed: 1 });
 */
export function gradients<A extends unknown[]>(
  model: Program<A>,
  guide: Program<A>,
  args: A,
  options: GradientOptions,
): GradientResult {
  requireProgram(model, 'gradients', 'the model');
  requireProgram(guide, 'gradients', 'the guide');
  checkOptions('gradients', options, GRADIENT_OPTION_SPECS);
  estimatorsOf(options);
  if (!Array.isArray(args)) fail('invalid-argument', `gradients: args must be an array of the programs' arguments, e.g. [x], got ${typeof args}`, 'args');
  const read = (t: GradientTensors): GradientResult => ({ grads: t.grads, loss: scalarOf(t.loss), logMarginal: scalarOf(t.objective), cost: t.cost, stats: t.stats });
  if (!(options.compile ?? compileByDefault()) || isCapturing()) return read(gradientTensors(model, guide, args, options));
  const stream = streamOf(options.seed);
  const seeded = { ...options, seed: stream };
  const compiler = compilerFor(model, guide, options);
  const structure = gradientStructure(model, guide, args, seeded);
  const key = compiler.key(args, structure);
  const replayed = compiler.replay(key, args, stream);
  if (replayed) {
    const store = getParamStore();
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, values] of replayed.grads) grads[name] = tf.tensor(Float32Array.from(values), store.variable(name).shape);
    return { grads, loss: replayed.loss, logMarginal: replayed.objective, cost: replayed.cost, stats: replayed.stats };
  }
  return read(compiler.eager(key, args, stream, structure, () => gradientTensors(model, guide, args, seeded)));
}

// One compiler per model, guide, estimator pair and vectorisation, for as long as they live.
const compilers = new WeakMap<object, WeakMap<object, WeakMap<Estimator, WeakMap<Estimator, Map<boolean, StepCompiler>>>>>();

function compilerFor<A extends unknown[]>(model: Program<A>, guide: Program<A>, options: GradientOptions): StepCompiler {
  const { model: m, guide: g } = estimatorsOf(options);
  const level = <K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V => {
    let v = map.get(key);
    if (v === undefined) {
      v = make();
      map.set(key, v);
    }
    return v;
  };
  const byGuide = level(compilers, model, () => new WeakMap());
  const byModelEstimator = level(byGuide, guide, () => new WeakMap());
  const byGuideEstimator = level(byModelEstimator, m, () => new WeakMap());
  const byVectorize = level(byGuideEstimator, g, () => new Map<boolean, StepCompiler>());
  const vectorize = options.vectorize ?? true;
  let compiler = byVectorize.get(vectorize);
  if (!compiler) {
    compiler = new StepCompiler(activeNativeAddon(), options.onCompileNote);
    byVectorize.set(vectorize, compiler);
  }
  return compiler;
}

/** `gradients` with loss and objective left as tensors (what a compiled step records). */
export function gradientTensors<A extends unknown[]>(
  model: Program<A>,
  guide: Program<A>,
  args: A,
  options: GradientOptions,
): GradientTensors {
  const { problem, passes } = planPasses(model, guide, args, options);
  if (passes.length === 1 && passes[0]!.role === 'both') {
    const [{ estimator, stream, role, names }] = passes as [PlannedPass];
    const pass = onePass(estimator, problem, stream, role, names);
    return { grads: pass.grads, loss: pass.loss, objective: pass.objective, cost: pass.cost, stats: pass.stats };
  }
  const run = (role: Role): Pass | undefined => {
    const p = passes.find((q) => q.role === role);
    return p && onePass(p.estimator, problem, p.stream, p.role, p.names);
  };
  // The model pass always runs (for its estimate, with no params too); the guide's only with params.
  const m = run('model')!;
  const g = run('guide');
  g?.loss.dispose();
  g?.objective.dispose();
  const stats: Record<string, number> = { ...(g ? prefixed('guide.', g.stats) : {}), ...m.stats };
  return { grads: { ...m.grads, ...(g?.grads ?? {}) }, loss: m.loss, objective: m.objective, cost: m.cost + (g?.cost ?? 0), stats };
}

/**
 * What decides the kernels of `gradientTensors(model, guide, args, options)` beyond shapes: the
 * estimators' host-drawn numbers (levels K), from the same streams the passes will use.
 */
export function gradientStructure<A extends unknown[]>(model: Program<A>, guide: Program<A>, args: A, options: GradientOptions): StepStructure {
  const { problem, passes } = planPasses(model, guide, args, options);
  const parts = passes.map((p) => p.estimator.structure?.(problem, p.stream, p.role));
  return { key: parts.map((p) => p?.key ?? '').join(';'), streams: parts.flatMap((p) => p?.streams ?? []) };
}

interface PlannedPass {
  readonly estimator: Estimator;
  readonly stream: Stream;
  readonly role: Role;
  readonly names: readonly string[];
}

/**
 * The gradient passes a step runs (one shared pass, or the model's and the guide's for the groups
 * that have params) with their streams: `gradientTensors` runs them, `gradientStructure` keys them.
 * Creates the params on first use (tagged model or guide).
 */
function planPasses<A extends unknown[]>(model: Program<A>, guide: Program<A>, args: A, options: GradientOptions): { problem: Problem<A>; passes: PlannedPass[] } {
  const estimators = estimatorsOf(options);
  const stream = streamOf(options.seed);
  const problem: Problem<A> = { model, guide, args, vectorize: options.vectorize ?? true, ...(options.allowPriorDraws ? { allowPriorDraws: true } : {}) };
  const used = new Set(prepared(problem, stream).params);
  const store = getParamStore();
  const train = options.train ?? 'both';
  // The store also holds params of other programs fitted in the same process: a role none of whose
  // params these programs use has nothing to differentiate (tfjs would refuse the empty tape).
  const ofRole = (role: 'model' | 'guide'): string[] => {
    const names = store.names(role);
    return names.some((n) => used.has(n)) ? names : [];
  };
  const theta = train === 'guide' ? [] : ofRole('model');
  const phi = train === 'model' ? [] : ofRole('guide');
  if (train !== 'both' && theta.length + phi.length === 0) {
    fail('invalid-argument', `gradients/svi: train: '${train}', but the ${train} declares no param: nothing to fit`, 'train');
  }
  if (theta.length + phi.length === 0) {
    fail(
      'invalid-argument',
      'gradients/svi: neither the model nor the guide declares a param, so there is nothing to differentiate or fit. ' +
        "Give the guide its params (e.g. sample('z', dist.normal(param('z.loc', 0), param('z.scale', 1, { constraint: 'positive' })))), " +
        'or, to estimate log p(x) of a fixed model and guide, use logLikelihood(model, guide, args, { k }).',
    );
  }
  if (estimators.model === estimators.guide && estimators.model.sharedLoss) {
    return { problem, passes: [{ estimator: estimators.model, stream: stream.split(10), role: 'both', names: [...theta, ...phi] }] };
  }
  const passes: PlannedPass[] = [{ estimator: estimators.model, stream: stream.split(10), role: 'model', names: theta }];
  if (phi.length > 0) passes.push({ estimator: estimators.guide, stream: stream.split(11), role: 'guide', names: phi });
  return { problem, passes };
}

function prefixed(prefix: string, stats: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [prefix + k, v]));
}
