import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../dsl/math/detach.js';
import { fail, kindOf, requireProgram, RouletteError } from '../runtime/errors.js';
import { EnumerateMessenger } from '../runtime/handlers/enumerate.js';
import { ParticlesMessenger, maxBatchRank, particleSource } from '../runtime/handlers/particles.js';
import { ReplayMessenger } from '../runtime/handlers/replay.js';
import { SubstituteMessenger } from '../runtime/handlers/substitute.js';
import { RoleMessenger } from '../runtime/handlers/role.js';
import { TraceMessenger } from '../runtime/handlers/trace.js';
import { withSeed } from '../runtime/handlers/seed.js';
import type { Message, PlateFrame } from '../runtime/messages.js';
import { getParamStore } from '../runtime/param-store.js';
import { withRandom, type RandomSource, type Stream } from '../runtime/rng.js';
import { Messenger } from '../runtime/stack.js';
import { Trace, type SampleSite } from '../runtime/trace.js';
import { checkAgreement } from './agreement.js';
import { enumeratedSites, sumOutEnumerated } from './enumeration.js';
import { argsSignature, type Problem } from './program.js';

/** One run of guide then model: vectorised (all K particles) or one particle of a loop. */
export interface ParticleRun {
  readonly guide: Trace;
  readonly model: Trace;
}

/** A per-site term for `Weighted.total`: a batch-shaped tensor, or undefined for the site's log-prob. */
export type SiteTerm = (site: SampleSite, run: ParticleRun) => tf.Tensor | undefined;

/**
 * K particles of a model/guide pair and the per-particle, per-datapoint quantities the estimators
 * need. The datapoint axis is the data plate: the outermost plate holding every latent and observed
 * site. With a latent outside it (a global latent), the whole minibatch is one datapoint.
 */
export class Weighted {
  constructor(
    readonly runs: readonly ParticleRun[],
    readonly k: number,
    readonly vectorized: boolean,
    /** The data plate, or undefined when some site lies outside every plate they share. */
    readonly dataPlate: PlateFrame | undefined,
    /** Model latents the guide did not sample were drawn from their priors (Problem.allowPriorDraws). */
    readonly priorDraws = false,
  ) {}

  /** N / B of the data plate's subsampling: per-datapoint terms exclude it, sums over data restore it. */
  get dataScale(): number {
    const p = this.dataPlate;
    return p ? p.size / p.subsampleSize : 1;
  }

  /** Does any site lie in a subsampled plate? */
  get subsampled(): boolean {
    const run = this.runs[0]!;
    return [...run.guide.sampleSites(), ...run.model.sampleSites()].some((s) =>
      s.plates.some((p) => p.subsampleSize < p.size),
    );
  }

  /**
   * Sum of `term` (default: the log-prob) over one program's sites: [K, B], or [K] without a data plate.
   * The model's enumerated latents are summed out (src/inference/enumeration.ts).
   */
  total(side: 'model' | 'guide', term: SiteTerm = () => undefined, filter: (s: SampleSite) => boolean = () => true): tf.Tensor {
    const perRun = this.runs.map((run) => {
      // With prior draws, a model latent the guide did not sample is part of the proposal: its
      // log-prob is in both p and q and cancels, so neither counts it.
      const sites = (
        side === 'guide'
          ? run.guide.latentSites()
          : this.priorDraws
            ? run.model.sampleSites().filter((s) => s.observed || s.enumDim !== undefined || run.guide.has(s.name))
            : run.model.sampleSites()
      ).filter(filter);
      const enumerated = side === 'model' ? enumeratedSites(sites) : [];
      const terms = sites.map((site) => {
        const given = term(site, run);
        return { site, tensor: given ?? site.logProb, replaced: given !== undefined };
      });
      const reduced = enumerated.length > 0 ? sumOutEnumerated(terms, enumerated) : terms;
      return reduced.reduce<tf.Tensor>((acc, t) => tf.add(acc, this.reduce(t.tensor, t.site)), tf.scalar(0));
    });
    const shape = this.dataPlate ? [this.k, this.dataPlate.subsampleSize] : [this.k];
    if (this.vectorized) return tf.broadcastTo(perRun[0]!, shape);
    return tf.stack(perRun.map((t) => tf.broadcastTo(t, shape.slice(1))));
  }

  /** log w = log p(x, z) - log q(z | x): [K, B] or [K]. */
  logWeights(): tf.Tensor {
    return tf.sub(this.total('model'), this.total('guide'));
  }

  /** Guide sites without a reparameterised draw: they need score-function terms. */
  scoreSites(): SampleSite[] {
    return this.runs[0]!.guide.latentSites().filter((s) => !s.reparameterized);
  }

  /** Reduce a batch-shaped site tensor to [K, B] / [K] (vectorised) or [B] / [] (one loop particle). */
  reduce(t: tf.Tensor, site: SampleSite): tf.Tensor {
    const particleAxes = this.vectorized ? 1 : 0;
    const data = this.dataPlate;
    const dataAxis = data ? t.rank + data.dim : -1;
    if (data && dataAxis < particleAxes) {
      fail('shape-mismatch', `site '${site.name}': its log-prob has no dim for the data plate '${data.name}'`, site.name);
    }
    const axes: number[] = [];
    for (let a = particleAxes; a < t.rank; a++) if (a !== dataAxis) axes.push(a);
    const summed = axes.length > 0 ? tf.sum(t, axes) : t;
    // Per-datapoint terms carry no subsample scale; estimators multiply their sum by dataScale.
    return data && data.subsampleSize < data.size ? tf.div(summed, this.dataScale) : summed;
  }
}

/** Makes latent draws inside it gradient-free (`sample`, not `rsample`): z is data to the gradient. */
class DetachSamplesMessenger extends Messenger {
  override process(msg: Message): void {
    if (msg.type === 'sample' && !msg.observed) msg.detach = true;
  }
}

/** Sets every param read inside it to a gradient-free copy (for DReG's log q with detached phi). */
class DetachParamsMessenger extends Messenger {
  override postprocess(msg: Message): void {
    if (msg.type === 'param' && msg.value) msg.value = stopGradient(msg.value);
  }
}

function runTraced(fn: () => unknown, handlers: readonly Messenger[]): Trace {
  const tracer = new TraceMessenger();
  // Outermost first: the tracer sees every message after all other handlers processed it.
  const run = [tracer, ...handlers].reduceRight<() => unknown>((inner, h) => () => h.run(inner), fn);
  run();
  return tracer.trace;
}

function dataPlateOf(runs: readonly ParticleRun[]): PlateFrame | undefined {
  const { guide, model } = runs[0]!;
  const sites = [...guide.latentSites(), ...model.sampleSites()];
  if (sites.length === 0) return undefined;
  // Plates are listed innermost first; the data plate is the outermost one every site shares.
  const first = sites[0]!.plates;
  for (let i = first.length - 1; i >= 0; i--) {
    const candidate = first[i]!;
    const everywhere = sites.every((s) =>
      s.plates.some((p) => p.name === candidate.name && p.dim === candidate.dim && p.subsampleSize === candidate.subsampleSize),
    );
    if (everywhere) return candidate;
  }
  return undefined;
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
      let guide: Trace;
      let model: Trace;
      try {
        guide = runTraced(() => problem.guide(...problem.args), [new RoleMessenger('guide')]);
        model = runTraced(() => problem.model(...problem.args), [new RoleMessenger('model'), new ReplayMessenger(guide)]);
      } catch (cause) {
        throw explainArity(problem, cause);
      }
      checkAgreement(guide, model, problem.allowPriorDraws ?? false);
      const params = [...guide.paramSites(), ...model.paramSites()].map((p) => p.name);
      // This run samples enumerated latents (no enumerate handler), so the dim leaves room for none.
      const dim = -(Math.max(maxBatchRank(guide), maxBatchRank(model)) + 1);
      const enumerated = model.latentSites().filter((s) => s.enumerate).map((s) => s.name);
      return { dim, params, enumerated, datapoints: dataPlateOf([{ guide, model }])?.subsampleSize };
    }),
  );
  bySignature.set(signature, result);
  return result;
}

/**
 * Draw K particles from the guide and score them under the model. Randomness comes from `stream`:
 * particle i uses the same child stream in the vectorised and the loop form, so they agree; with
 * `first`, the particles are first..first+k-1 of a larger draw (chunking changes nothing but memory,
 * and every chunk sees the same plate subsample).
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
  const guideHandlers = (): Messenger[] => [new RoleMessenger('guide'), ...(options.detachLatents ? [new DetachSamplesMessenger()] : [])];
  const guideBase = stream.split(1);
  const modelBase = stream.split(2);
  const { model, guide, args } = problem;
  let runs: ParticleRun[];
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
  if (problem.vectorize) {
    const g = runTraced(() => guide(...args), [...guideHandlers(), new ParticlesMessenger(k, dim, guideBase, first, options.guideSource)]);
    const m = runTraced(() => model(...args), [
      new RoleMessenger('model'),
      new ParticlesMessenger(k, dim, modelBase, first),
      new EnumerateMessenger(dim - 1),
      new ReplayMessenger(g),
    ]);
    runs = [{ guide: g, model: m }];
  } else {
    runs = Array.from({ length: k }, (_, i) => {
      const g = withRandom(particleSource(guideBase, first + i), () => runTraced(() => guide(...args), guideHandlers()));
      const m = withRandom(particleSource(modelBase, first + i), () =>
        runTraced(() => model(...args), [new RoleMessenger('model'), new EnumerateMessenger(dim - 1), new ReplayMessenger(g)]),
      );
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
  const model = runTraced(() => problem.model(...problem.args), [
    new RoleMessenger('model'),
    new ParticlesMessenger(k, dim, stream.split(2)),
    new EnumerateMessenger(dim - 1),
    new SubstituteMessenger(values),
  ]);
  const runs = [{ guide: new Trace(), model }];
  return new Weighted(runs, k, true, dataPlateOf(runs)).total('model');
}

/**
 * log q of the same particles with the guide's params detached (z still carries its gradient):
 * DReG's surrogate differentiates only through the draws. Shape as `Weighted.total`.
 */
export function detachedGuideLogProb<A extends unknown[]>(problem: Problem<A>, weighted: Weighted, stream: Stream): tf.Tensor {
  const { guide, args } = problem;
  const runs = weighted.runs.map((run, i) => {
    const handlers: Messenger[] = [new DetachParamsMessenger(), new ReplayMessenger(run.guide)];
    if (weighted.vectorized) {
      const dim = prepare(problem, stream);
      handlers.unshift(new ParticlesMessenger(weighted.k, dim, stream.split(3)));
    }
    const g = withRandom(particleSource(stream.split(3), i), () => runTraced(() => guide(...args), handlers));
    return { guide: g, model: run.model };
  });
  return new Weighted(runs, weighted.k, weighted.vectorized, weighted.dataPlate, weighted.priorDraws).total('guide');
}

/**
 * Non-linear estimators (everything but the ELBO) need log w per datapoint; with a global latent the
 * minibatch is one datapoint, and subsampling it would bias them.
 */
export function requirePerDatapoint(weighted: Weighted, estimator: string): void {
  if (!weighted.dataPlate && weighted.subsampled) {
    fail(
      'unsupported-model',
      `${estimator}: the model has a latent outside the subsampled data plate, so the minibatch is a single ` +
        `datapoint and ${estimator} of a subsample is not an unbiased estimate for the full data (the estimator ` +
        `is non-linear in log w). Use elbo, or do not subsample (plate without { subsample }).`,
    );
  }
}
