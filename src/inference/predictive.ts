import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import { PosteriorSamplesMessenger } from '../runtime/handlers/posterior-samples.js';
import { withSeed } from '../runtime/handlers/seed.js';
import { currentRandom, Stream } from '../runtime/rng.js';
import type { Trace } from '../runtime/trace.js';
import { checkOptions } from './options.js';
import { isolated, particleDimOf, runProgram, withParticle, type ParticleSpec, type Program } from './program.js';

export interface PredictiveOptions<A extends unknown[]> {
  /** Draw the latents from this (fitted) guide: the posterior predictive. */
  readonly guide?: Program<A>;
  /** Or take them from posterior draws (e.g. MCMC): site name -> [S, ...site shape]. */
  readonly samples?: Readonly<Record<string, tf.Tensor>>;
  /** Draws S; required without `samples` (whose leading dim it must then equal). */
  readonly numSamples?: number;
  /** Sites to return (default: every sample and deterministic site of the model). */
  readonly returnSites?: readonly string[];
  readonly seed?: number | string;
  /** false: one run per draw, for models that cannot broadcast (same numbers). Default true. */
  readonly vectorize?: boolean;
}

/** The model's sample (not factor) and deterministic sites: name -> value. */
function siteValues(trace: Trace): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const s of trace.siteList) {
    if ((s.type === 'sample' && s.kind !== 'factor') || s.type === 'deterministic') out.set(s.name, s.value);
  }
  return out;
}

interface Draws {
  readonly s: number;
  readonly guide: Program<unknown[]> | undefined;
  readonly samples: Readonly<Record<string, tf.Tensor>> | undefined;
}

function checkDraws<A extends unknown[]>(options: PredictiveOptions<A>): Draws {
  checkOptions('predictive', options, {
    guide: { kind: 'function' },
    samples: { kind: 'custom', expects: 'site name -> tensor [S, ...]' },
    numSamples: { kind: 'integer', min: 1 },
    returnSites: { kind: 'custom', expects: 'an array of site names' },
    seed: { kind: 'seed' },
    vectorize: { kind: 'boolean' },
  });
  const { guide, samples, numSamples } = options;
  if (guide && samples) fail('invalid-argument', 'predictive: give a guide or posterior samples, not both', 'samples');
  let s = numSamples;
  if (samples) {
    const sizes = new Set(Object.values(samples).map((t) => t.shape[0]));
    if (sizes.size !== 1) fail('shape-mismatch', `predictive: every entry of samples needs the same leading dim S, got ${[...sizes].join(', ')}`, 'samples');
    const [first] = sizes;
    if (s !== undefined && s !== first) fail('invalid-argument', `predictive: numSamples ${s} differs from the ${first} posterior samples given`, 'numSamples');
    s = first;
  }
  if (s === undefined || !Number.isInteger(s) || s < 1) {
    fail('invalid-argument', `predictive: numSamples must be a positive integer${samples ? '' : ' (required without samples)'}, got ${s}`, 'numSamples');
  }
  return { s, guide: guide as Program<unknown[]> | undefined, samples };
}

/** [S, ...natural shape] from a vectorised value (or one that does not depend on the draw). */
function perDraw(name: string, value: tf.Tensor, natural: readonly number[], s: number): tf.Tensor {
  const size = natural.reduce((a, b) => a * b, 1);
  if (value.rank > 0 && value.shape[0] === s && value.size === s * size) return tf.reshape(value, [s, ...natural]);
  if (value.size === size) return tf.broadcastTo(tf.reshape(value, [1, ...natural]), [s, ...natural]);
  return fail(
    'shape-mismatch',
    `predictive: site '${name}' has shape [${value.shape.join(', ')}] with ${s} vectorised draws but [${natural.join(', ')}] in ` +
      `one run; the model does not broadcast over draws: use { vectorize: false }`,
    name,
  );
}

/**
 * Draws from the predictive distribution of a model's sites: latents from a fitted guide (posterior
 * predictive), from given posterior samples, or from the prior (neither), and observed sites redrawn
 * from their likelihood given those latents. Vectorised over the S draws with the particle machinery
 * (the model must broadcast, as for estimators), or one run per draw with `vectorize: false`.
 * Returns `[S, ...site shape]` tensors owned by the caller.
 *
 * @example
 * const predict = predictive(model, { guide, numSamples: 1000, returnSites: ['y'], seed: 1 });
 * const { y } = predict(xNew, yPlaceholder); // y: [1000, ...]
 */
export function predictive<A extends unknown[]>(
  model: Program<A>,
  options: PredictiveOptions<A>,
): (...args: A) => Record<string, tf.Tensor> {
  const draws = checkDraws(options);
  const vectorize = options.vectorize ?? true;
  return (...args: A) => {
    const stream = options.seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(options.seed);
    return isolated(() => tf.tidy(() => sampleAll(model as Program<unknown[]>, args, draws, stream, vectorize, options.returnSites)));
  };
}

function sampleAll(
  model: Program<unknown[]>,
  args: unknown[],
  { s, guide, samples }: Draws,
  stream: Stream,
  vectorize: boolean,
  returnSites: readonly string[] | undefined,
): Record<string, tf.Tensor> {
  const runGuide = (particles?: ParticleSpec): Trace | undefined =>
    guide ? runProgram(guide, args, { role: 'guide', ...(particles ? { particles } : {}) }) : undefined;
  const runModel = (particles: ParticleSpec | undefined, guideTrace: Trace | undefined, latents: PosteriorSamplesMessenger | undefined): Trace =>
    runProgram(model, args, {
      role: 'model',
      redrawObserved: true,
      ...(particles ? { particles } : {}),
      ...(guideTrace ? { replay: guideTrace } : {}),
      ...(latents ? { values: latents } : {}),
    });

  // One unvectorised run: the particle dim, and each site's shape in a single draw.
  const dry = withSeed(stream.split(0x7fffffff), () => {
    const g = runGuide();
    const m = runModel(undefined, g, samples ? new PosteriorSamplesMessenger(samples, { index: 0 }) : undefined);
    return { dim: particleDimOf(...(g ? [g] : []), m), model: m };
  });
  const natural = new Map([...siteValues(dry.model)].map(([name, v]) => [name, v.shape] as const));
  const names = returnSites ?? [...natural.keys()];
  const unknown = names.filter((n) => !natural.has(n));
  if (unknown.length > 0) {
    fail('invalid-argument', `predictive: no site ${unknown.map((n) => `'${n}'`).join(', ')} in the model (its sites: ${[...natural.keys()].join(', ')})`, unknown[0]);
  }

  const guideBase = stream.split(1);
  const modelBase = stream.split(2);
  const out: Record<string, tf.Tensor> = {};
  if (vectorize) {
    const g = runGuide({ count: s, dim: dry.dim, stream: guideBase });
    const latents = samples ? new PosteriorSamplesMessenger(samples, { particleRank: -dry.dim }) : undefined;
    const values = siteValues(runModel({ count: s, dim: dry.dim, stream: modelBase }, g, latents));
    for (const name of names) out[name] = perDraw(name, values.get(name)!, natural.get(name)!, s);
    return out;
  }
  const runs = Array.from({ length: s }, (_, i) => {
    const g = withParticle(guideBase, i, () => runGuide());
    const latents = samples ? new PosteriorSamplesMessenger(samples, { index: i }) : undefined;
    return siteValues(withParticle(modelBase, i, () => runModel(undefined, g, latents)));
  });
  for (const name of names) out[name] = tf.stack(runs.map((r) => tf.reshape(r.get(name)!, [...natural.get(name)!])));
  return out;
}
