import * as tf from '@tensorflow/tfjs';
import { fail, kindOf, requireProgram, RouletteError } from '../runtime/errors.js';
import { BlockMessenger } from '../runtime/handlers/block.js';
import { EnumerateMessenger } from '../runtime/handlers/enumerate.js';
import { ParticlesMessenger, maxBatchRank, particleSource, vectorizedSource } from '../runtime/handlers/particles.js';
import { RedrawObservedMessenger } from '../runtime/handlers/redraw-observed.js';
import { ReplayMessenger } from '../runtime/handlers/replay.js';
import { RoleMessenger } from '../runtime/handlers/role.js';
import { withSeed } from '../runtime/handlers/seed.js';
import { DetachLatentsMessenger, DetachParamsMessenger } from '../runtime/handlers/stop-gradients.js';
import { SubstituteMessenger } from '../runtime/handlers/substitute.js';
import { TraceMessenger } from '../runtime/handlers/trace.js';
import type { ParamRole } from '../runtime/messages.js';
import { getParamStore } from '../runtime/param-store.js';
import { withRandom, type RandomSource, type Stream } from '../runtime/rng.js';
import { Messenger } from '../runtime/stack.js';
import { Trace } from '../runtime/trace.js';
import { checkAgreement } from './agreement.js';
import { dataPlateOf, Weighted, type ParticleRun } from './log-weights.js';

/**
 * The program interface: the one place inference runs a model or a guide. Three operations, as in
 * Gen's generative-function interface (docs/design.md, "The program interface"):
 * - `runProgram`: run a program under named effects and get its trace;
 * - `drawWeighted`: K importance-weighted draws, log w = log p(x, z) - log q(z | x) as [K, B];
 * - `modelLogProbAt`: the model's log density at given latent values, [k, B].
 * Estimators, predictive, summaries, MCMC and the automatic guides use these and nothing below them.
 */

/** A model or guide: a synchronous function of the user's arguments that calls roulette primitives. */
export type Program<A extends unknown[] = unknown[]> = (...args: A) => unknown;

/** What every estimator works on: a model, its guide, their arguments and how to draw particles. */
export interface Problem<A extends unknown[] = unknown[]> {
  readonly model: Program<A>;
  readonly guide: Program<A>;
  readonly args: A;
  /** false: draw particles one at a time (for programs that cannot broadcast); same numbers. */
  readonly vectorize: boolean;
  /**
   * Model latents the guide does not sample are drawn from their priors as part of the proposal (their
   * log-prob cancels from log w). Default false: such a latent is an error (src/inference/agreement.ts).
   */
  readonly allowPriorDraws?: boolean;
}

/** A short, stable description of argument shapes (the structure of a program may depend on them). */
export function argsSignature(args: readonly unknown[]): string {
  return JSON.stringify(args, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && 'shape' in value && 'dtype' in value
      ? `T${(value as tf.Tensor).dtype}[${(value as tf.Tensor).shape.join(',')}]`
      : value,
  );
}

/** Vectorised particles: `count` draws of every sample site on batch dim `dim` (negative). */
export interface ParticleSpec {
  readonly count: number;
  readonly dim: number;
  /** Particle i draws from `stream.split(first + i)`, as the i-th run of a loop does (`withParticle`). */
  readonly stream?: Stream;
  readonly first?: number;
  /** Or draw from this source (it puts the particle dim first): e.g. replayed noise for Markov chains. */
  readonly source?: RandomSource | undefined;
}

/**
 * The effects of one run. The handlers are stacked in this fixed order, outermost first (inner ones
 * see a message first): role, redrawObserved, particles, enumerate, detachParams, replay, values,
 * detachLatents. So given values win over replayed ones, and particles expand a site after its value
 * is known.
 */
export interface RunSpec {
  /** Params created in the run join this group (theta for 'model', phi for 'guide'). */
  readonly role?: ParamRole;
  /** Observed sites are redrawn from their likelihood instead of taking the data (predictions). */
  readonly redrawObserved?: boolean;
  readonly particles?: ParticleSpec;
  /** Sites marked { enumerate: true } take their whole support on the dims left of this one. */
  readonly enumerateLeftOf?: number;
  /** Every param is read as a gradient-free copy. */
  readonly detachParams?: boolean;
  /** Latents take this trace's values, plates its indices (a guide's run, scored by the model). */
  readonly replay?: Trace;
  /** Latents take these values by name, or from this handler (posterior draws, an unconstraining map). */
  readonly values?: Readonly<Record<string, tf.Tensor>> | Messenger;
  /** Latent draws carry no gradient (score-function forms). */
  readonly detachLatents?: boolean;
}

/** Run `program(...args)` under the effects of `spec` and return its trace. */
export function runProgram<A extends unknown[]>(program: Program<A>, args: A, spec: RunSpec = {}): Trace {
  const handlers: Messenger[] = [];
  if (spec.role) handlers.push(new RoleMessenger(spec.role));
  if (spec.redrawObserved) handlers.push(new RedrawObservedMessenger());
  const p = spec.particles;
  if (p) handlers.push(new ParticlesMessenger(p.count, p.dim, p.stream, p.first ?? 0, p.source));
  if (spec.enumerateLeftOf !== undefined) handlers.push(new EnumerateMessenger(spec.enumerateLeftOf));
  if (spec.detachParams) handlers.push(new DetachParamsMessenger());
  if (spec.replay) handlers.push(new ReplayMessenger(spec.replay));
  if (spec.values) handlers.push(spec.values instanceof Messenger ? spec.values : new SubstituteMessenger(spec.values));
  if (spec.detachLatents) handlers.push(new DetachLatentsMessenger());
  const tracer = new TraceMessenger();
  // Outermost first: the tracer sees every message after all other handlers processed it.
  const run = [tracer, ...handlers].reduceRight<() => unknown>((inner, h) => () => h.run(inner), () => program(...args));
  run();
  return tracer.trace;
}

/** Run `fn` with the randomness of particle i of `stream`: the numbers the vectorised run's i-th particle draws. */
export function withParticle<T>(stream: Stream, i: number, fn: () => T): T {
  return withRandom(particleSource(stream, i), fn);
}

/**
 * The randomness of particles first..first+count-1 of `stream` drawn at once, as a `ParticleSpec.source`
 * or a guide source: the numbers those particles of a vectorised run draw.
 */
export function particlesSource(stream: Stream, count: number, first = 0): RandomSource {
  return vectorizedSource(stream, count, first);
}

/** The particle dim for traces of an unvectorised run: left of every batch dim they use. */
export function particleDimOf(...traces: readonly Trace[]): number {
  return -(Math.max(0, ...traces.map(maxBatchRank)) + 1);
}

/** One unvectorised run of the guide, then of the model scoring the guide's draws (no particles). */
export function firstRun<A extends unknown[]>(problem: Problem<A>): ParticleRun {
  const guide = runProgram(problem.guide, problem.args, { role: 'guide' });
  const model = runProgram(problem.model, problem.args, { role: 'model', replay: guide });
  return { guide, model };
}

export interface Prepared {
  /** The particle dim (enumerated latents take the dims left of it). */
  readonly dim: number;
  /** The model's latents marked for enumeration. */
  readonly enumerated: readonly string[];
  readonly params: readonly string[];
  /** Datapoints per run (the data plate's subsample size), or undefined without a data plate. */
  readonly datapoints: number | undefined;
}

// Particle dims depend only on the programs and argument shapes: find them once per combination.
const cache = new WeakMap<object, WeakMap<object, Map<string, Prepared>>>();

/**
 * One unvectorised run of guide and model (in a forked random scope, so seeded results do not depend
 * on the cache): creates params with their roles and finds the particle dim. Repeated only when the
 * argument shapes change or the params were cleared.
 */
export function prepare<A extends unknown[]>(problem: Problem<A>, stream: Stream): number {
  return prepared(problem, stream).dim;
}

/**
 * A program called with fewer arguments than it declares fails deep inside, at the first site that
 * reads the missing one ("observe 'x': the observed value must be a tensor"): when the first run of a
 * pair fails so, say what was missing, with the failure. (`length` counts the parameters before the
 * first default, so optional ones are not demanded.)
 */
function explainArity<A extends unknown[]>(problem: Problem<A>, cause: unknown): unknown {
  const given = problem.args.length;
  const short = ([['model', problem.model], ['guide', problem.guide]] as const).filter(([, program]) => given < program.length);
  if (short.length === 0) return cause;
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  const takes = short.map(([role, program]) => `the ${role} takes ${plural(program.length)}`).join(' and ');
  return new RouletteError(
    'invalid-argument',
    `${takes} (the data), but ${short.length === 1 ? 'it was' : 'they were'} called with ${plural(given)} ` +
      `(and failed: ${cause instanceof Error ? cause.message : String(cause)}); give them to the step, e.g. fit.step(x) ` +
      'for a model (x) => ..., or [x] to gradients, logLikelihood and importance',
    'args',
  );
}

/** `prepare` with everything it learnt about the programs. */
export function prepared<A extends unknown[]>(problem: Problem<A>, stream: Stream): Prepared {
  requireProgram(problem.model, 'inference', 'the model');
  requireProgram(problem.guide, 'inference', 'the guide');
  if (!Array.isArray(problem.args)) {
    fail('invalid-argument', `inference: the programs' arguments must be an array, e.g. [x] for a model (x) => ..., got ${kindOf(problem.args)}`, 'args');
  }
  const byGuide = cache.get(problem.model) ?? new WeakMap<object, Map<string, Prepared>>();
  cache.set(problem.model, byGuide);
  const bySignature = byGuide.get(problem.guide) ?? new Map<string, Prepared>();
  byGuide.set(problem.guide, bySignature);
  const signature = argsSignature(problem.args);
  const known = bySignature.get(signature);
  const store = getParamStore();
  if (known && known.params.every((name) => store.has(name))) return known;
  const result = tf.tidy(() =>
    withSeed(stream.split(0x7fffffff), () => {
      let run: ParticleRun;
      try {
        run = firstRun(problem);
      } catch (cause) {
        throw explainArity(problem, cause);
      }
      const { guide, model } = run;
      checkAgreement(guide, model, problem.allowPriorDraws ?? false);
      const params = [...guide.paramSites(), ...model.paramSites()].map((p) => p.name);
      // This run samples enumerated latents (no enumerate handler), so the dim leaves room for none.
      const dim = particleDimOf(guide, model);
      const enumerated = model.latentSites().filter((s) => s.enumerate).map((s) => s.name);
      return { dim, params, enumerated, datapoints: dataPlateOf([run])?.subsampleSize };
    }),
  );
  bySignature.set(signature, result);
  return result;
}

/**
 * K draws z_1..z_K ~ q(z | x) scored under the model: `logWeights()` of the result is
 * log w_k = log p(x, z_k) - log q(z_k | x), [K, B] per datapoint of the data plate (or [K] without
 * one), each datapoint's terms excluding the plate's N / B (see `Weighted`); enumerated model latents
 * are summed out of log p. Randomness comes from `stream`: particle i uses the same child stream in
 * the vectorised and the loop form, so they agree; with `first`, the particles are first..first+k-1 of
 * a larger draw (chunking changes nothing but memory, and every chunk sees the same plate subsample).
 */
export function drawWeighted<A extends unknown[]>(
  problem: Problem<A>,
  k: number,
  stream: Stream,
  first = 0,
  options: {
    readonly detachLatents?: boolean;
    /** Where the guide's draws come from (vectorised only): e.g. replayed noise for Markov chains. */
    readonly guideSource?: RandomSource;
  } = {},
): Weighted {
  const { dim, enumerated } = prepared(problem, stream);
  const guideBase = stream.split(1);
  const modelBase = stream.split(2);
  const { model, guide, args } = problem;
  const detachLatents = options.detachLatents ?? false;
  if (options.guideSource && !problem.vectorize) {
    fail('invalid-argument', 'a custom guide source needs vectorised particles (vectorize: true)');
  }
  if (options.guideSource && enumerated.length > 0) {
    fail(
      'unsupported-model',
      `cisir: the model enumerates '${enumerated[0]}' ({ enumerate: true }), which cisir's Markov chains do not support; ` +
        'use another estimator (elbo, iwae, rws, sumo, mlss, mlrr sum it out), or sample the site in the guide',
      enumerated[0],
    );
  }
  let runs: ParticleRun[];
  if (problem.vectorize) {
    const g = runProgram(guide, args, { role: 'guide', particles: { count: k, dim, stream: guideBase, first, source: options.guideSource }, detachLatents });
    const m = runProgram(model, args, { role: 'model', particles: { count: k, dim, stream: modelBase, first }, enumerateLeftOf: dim - 1, replay: g });
    runs = [{ guide: g, model: m }];
  } else {
    runs = Array.from({ length: k }, (_, i) => {
      const g = withParticle(guideBase, first + i, () => runProgram(guide, args, { role: 'guide', detachLatents }));
      const m = withParticle(modelBase, first + i, () => runProgram(model, args, { role: 'model', enumerateLeftOf: dim - 1, replay: g }));
      return { guide: g, model: m };
    });
  }
  return new Weighted(runs, k, problem.vectorize, dataPlateOf(runs), problem.allowPriorDraws ?? false);
}

/**
 * log p(x, z) of the model at given latent values (k particles on the leftmost batch dim of each value),
 * reduced per particle and datapoint like `Weighted.total('model')`: [k, B] or [k].
 */
export function modelLogProbAt<A extends unknown[]>(problem: Problem<A>, values: Readonly<Record<string, tf.Tensor>>, k: number, stream: Stream): tf.Tensor {
  const dim = prepare(problem, stream);
  const model = runProgram(problem.model, problem.args, {
    role: 'model',
    particles: { count: k, dim, stream: stream.split(2) },
    enumerateLeftOf: dim - 1,
    values,
  });
  const runs = [{ guide: new Trace(), model }];
  return new Weighted(runs, k, true, dataPlateOf(runs)).total('model');
}

/**
 * log q(z_k | x) of `weighted`'s particles with the guide's params detached (z still carries its
 * gradient): DReG's surrogate differentiates only through the draws. Shape as `Weighted.total`.
 */
export function detachedGuideLogProb<A extends unknown[]>(problem: Problem<A>, weighted: Weighted, stream: Stream): tf.Tensor {
  const { guide, args } = problem;
  const base = stream.split(3);
  const runs = weighted.runs.map((run, i) => {
    const particles = weighted.vectorized ? { count: weighted.k, dim: prepare(problem, stream), stream: base } : undefined;
    const g = withParticle(base, i, () => runProgram(guide, args, { ...(particles ? { particles } : {}), detachParams: true, replay: run.guide }));
    return { guide: g, model: run.model };
  });
  return new Weighted(runs, weighted.k, weighted.vectorized, weighted.dataPlate, weighted.priorDraws).total('guide');
}

/** Run `fn` hidden from outer handlers: a self-contained computation (a summary, a dry run) leaves no sites outside. */
export function isolated<T>(fn: () => T): T {
  return new BlockMessenger().run(fn);
}
