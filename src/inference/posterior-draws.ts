import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import { withSeed } from '../runtime/handlers/seed.js';
import type { PlateFrame } from '../runtime/messages.js';
import type { Stream } from '../runtime/rng.js';
import type { Trace } from '../runtime/trace.js';
import { drawWeighted, firstRun, isolated, particleDimOf, runProgram, withParticle, type Problem, type Program } from './program.js';

/** S draws of one site, on the host. */
export interface SiteDraws {
  readonly name: string;
  readonly kind: 'latent' | 'deterministic';
  /** The site's shape in one draw. */
  readonly shape: readonly number[];
  /** What values the site takes ('positive numbers', ...); undefined for deterministic sites. */
  readonly support: string | undefined;
  /** [S, ...shape], row-major. */
  readonly values: Float32Array;
  /** The axis of `shape` that indexes the data plate's datapoints, when log w is per datapoint. */
  readonly datapointAxis: number | undefined;
}

export interface PosteriorDraws {
  readonly count: number;
  readonly sites: readonly SiteDraws[];
  /** log w = log p(x, z) - log q(z) per draw: [S] or, per datapoint, [S, B] row-major; undefined without a model. */
  readonly logWeights: Float64Array | undefined;
  /** B when log w is per datapoint (every latent lies in the data plate), else undefined. */
  readonly datapoints: number | undefined;
  /** Does some site lie in a subsampled plate (then log w is a scaled, not an exact, log density)? */
  readonly subsampled: boolean;
  /** Sites left out, with why. */
  readonly notes: readonly string[];
}

export interface DrawOptions {
  readonly count: number;
  /** Draws evaluated at once, bounding memory. */
  readonly chunk: number;
  readonly vectorize: boolean;
  readonly allowPriorDraws: boolean;
}

/** tf.tidy for a computation that returns plain data (tidy's types allow only tensor containers). */
function tidyHost<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

interface SiteInfo {
  readonly name: string;
  readonly kind: 'latent' | 'deterministic';
  readonly shape: readonly number[];
  readonly support: string | undefined;
  readonly eventRank: number;
  readonly plates: readonly PlateFrame[];
}

/**
 * The sites a summary reports: the model's latents and deterministic sites, or the guide's latents.
 * Enumerated latents are summed out of log w, so they have no draws.
 */
function reportedSites(trace: Trace, fromModel: boolean): SiteInfo[] {
  const out: SiteInfo[] = [];
  for (const s of trace.siteList) {
    if (s.type === 'sample' && !s.observed && !s.auxiliary && !s.enumerate) {
      out.push({ name: s.name, kind: 'latent', shape: s.value.shape, support: s.fn.support.describe(), eventRank: s.fn.eventShape.length, plates: s.plates });
    } else if (fromModel && s.type === 'deterministic') {
      out.push({ name: s.name, kind: 'deterministic', shape: s.value.shape, support: undefined, eventRank: 0, plates: s.plates });
    }
  }
  return out;
}

/** [k * size] host values from a vectorised value (or one that does not depend on the draw). */
function perDraw(name: string, value: tf.Tensor, shape: readonly number[], k: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (value.rank > 0 && value.shape[0] === k && value.size === k * size) return Float32Array.from(value.dataSync());
  if (value.size === size) {
    const one = value.dataSync();
    const out = new Float32Array(k * size);
    for (let i = 0; i < k; i++) out.set(one, i * size);
    return out;
  }
  return fail(
    'shape-mismatch',
    `site '${name}' has shape [${value.shape.join(', ')}] with ${k} vectorised draws but [${shape.join(', ')}] in one run; ` +
      'the program does not broadcast over draws: use { vectorize: false }',
    name,
  );
}

/**
 * S draws from a guide: the values of every reported site (constrained: what the model sees) and, with
 * a model, log w per draw and datapoint. Chunked (memory stays bounded) and seeded: draw s is the same
 * whatever the chunk size, and the guide's draws are those `drawWeighted` makes from `stream`.
 */
export function drawPosterior<A extends unknown[]>(model: Program<A> | undefined, guide: Program<A>, args: A, stream: Stream, options: DrawOptions): PosteriorDraws {
  return isolated(() => (model ? withModel({ model, guide, args, vectorize: options.vectorize, ...(options.allowPriorDraws ? { allowPriorDraws: true } : {}) }, stream, options) : guideOnly(guide, args, stream, options)));
}

function collect(sites: readonly SiteInfo[], count: number): { values: Map<string, Float32Array>; put: (name: string, chunk: Float32Array, first: number) => void } {
  const values = new Map(sites.map((s) => [s.name, new Float32Array(count * s.shape.reduce((a, b) => a * b, 1))] as const));
  return { values, put: (name, chunk, first) => values.get(name)!.set(chunk, first * (values.get(name)!.length / count)) };
}

function withModel<A extends unknown[]>(problem: Problem<A>, stream: Stream, options: DrawOptions): PosteriorDraws {
  const { count, chunk } = options;
  const info = tidyHost(() =>
    withSeed(stream.split(0x7fffffff), () => {
      const { model: m } = firstRun(problem);
      return { sites: reportedSites(m, true), enumerated: m.latentSites().filter((s) => s.enumerate).map((s) => s.name) };
    }),
  );
  let sites = info.sites;
  let logWeights: Float64Array | undefined;
  let datapoints: number | undefined;
  let dataPlate: PlateFrame | undefined;
  let subsampled = false;
  const notes: string[] = [];
  if (info.enumerated.length > 0) {
    notes.push(`enumerated site${info.enumerated.length > 1 ? 's' : ''} ${info.enumerated.map((n) => `'${n}'`).join(', ')} left out: summed out of the weights, not drawn`);
  }
  let store: ReturnType<typeof collect> | undefined;
  for (let first = 0; first < count; first += chunk) {
    const size = Math.min(chunk, count - first);
    tf.tidy(() => {
      const weighted = drawWeighted(problem, size, stream, first);
      if (!store) {
        dataPlate = weighted.dataPlate;
        datapoints = dataPlate?.subsampleSize;
        subsampled = weighted.subsampled;
        if (dataPlate) {
          // Per-datapoint weights need each element's datapoint; a deterministic value's layout is unknown.
          const left = sites.filter((s) => s.kind === 'deterministic');
          if (left.length > 0) notes.push(`deterministic site${left.length > 1 ? 's' : ''} ${left.map((s) => `'${s.name}'`).join(', ')} left out: the weights are per datapoint of plate '${dataPlate.name}'`);
          sites = sites.filter((s) => s.kind === 'latent');
        }
        if (info.enumerated.length > 0) {
          // A value computed from an enumerated latent holds every value of its support: no draw to report.
          const perRun = (name: string) => (weighted.vectorized ? [traceValue(weighted.runs[0]!.model, name)] : weighted.runs.map((r) => traceValue(r.model, name)));
          const fits = (s: SiteInfo): boolean => {
            const one = s.shape.reduce((a, b) => a * b, 1);
            return perRun(s.name).every((v) => v.size === one || (weighted.vectorized && v.size === size * one));
          };
          const dependent = sites.filter((s) => s.kind === 'deterministic' && !fits(s));
          if (dependent.length > 0) {
            notes.push(`deterministic site${dependent.length > 1 ? 's' : ''} ${dependent.map((s) => `'${s.name}'`).join(', ')} left out: computed from an enumerated site`);
            sites = sites.filter((s) => !dependent.includes(s));
          }
        }
        store = collect(sites, count);
        logWeights = new Float64Array(count * (datapoints ?? 1));
      }
      logWeights!.set(weighted.logWeights().dataSync(), first * (datapoints ?? 1));
      for (const site of sites) {
        const values = weighted.vectorized
          ? perDraw(site.name, traceValue(weighted.runs[0]!.model, site.name), site.shape, size)
          : concat(weighted.runs.map((r) => traceValue(r.model, site.name).dataSync()));
        store!.put(site.name, values, first);
      }
    });
  }
  return { count, sites: finish(sites, store!.values, dataPlate), logWeights, datapoints, subsampled, notes };
}

function guideOnly<A extends unknown[]>(guide: Program<A>, args: A, stream: Stream, options: DrawOptions): PosteriorDraws {
  const { count, chunk, vectorize } = options;
  const dry = tidyHost(() =>
    withSeed(stream.split(0x7fffffff), () => {
      const g = runProgram(guide, args, { role: 'guide' });
      // An automatic guide lists the model latents it covers (after its first call): its own draws
      // (a joint family's vector) are not among them.
      const covered = (guide as { readonly sites?: readonly { readonly name: string }[] }).sites;
      const names = Array.isArray(covered) ? new Set(covered.map((s) => s.name)) : undefined;
      return { sites: reportedSites(g, false).filter((s) => !names || names.has(s.name)), dim: particleDimOf(g) };
    }),
  );
  const store = collect(dry.sites, count);
  const base = stream.split(1); // the guide's stream in drawWeighted: the same draws as with a model
  let subsampled = false;
  for (let first = 0; first < count; first += chunk) {
    const size = Math.min(chunk, count - first);
    tf.tidy(() => {
      const traces = vectorize
        ? [runProgram(guide, args, { role: 'guide', particles: { count: size, dim: dry.dim, stream: base, first } })]
        : Array.from({ length: size }, (_, i) => withParticle(base, first + i, () => runProgram(guide, args, { role: 'guide' })));
      subsampled ||= traces[0]!.sampleSites().some((s) => s.plates.some((p) => p.subsampleSize < p.size));
      for (const site of dry.sites) {
        const values = vectorize ? perDraw(site.name, traceValue(traces[0]!, site.name), site.shape, size) : concat(traces.map((t) => traceValue(t, site.name).dataSync()));
        store.put(site.name, values, first);
      }
    });
  }
  return { count, sites: finish(dry.sites, store.values, undefined), logWeights: undefined, datapoints: undefined, subsampled, notes: [] };
}

function traceValue(trace: Trace, name: string): tf.Tensor {
  const site = trace.get(name);
  if (!site || (site.type !== 'sample' && site.type !== 'deterministic')) {
    return fail('program-error', `site '${name}' appeared in the first run of the program but not in a later one; summaries need the same sites in every run`, name);
  }
  return site.value;
}

function concat(parts: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function finish(sites: readonly SiteInfo[], values: ReadonlyMap<string, Float32Array>, dataPlate: PlateFrame | undefined): SiteDraws[] {
  return sites.map((s) => {
    let datapointAxis: number | undefined;
    if (dataPlate) {
      const axis = s.shape.length - s.eventRank + dataPlate.dim;
      if (axis < 0 || s.shape[axis] !== dataPlate.subsampleSize) {
        fail('shape-mismatch', `site '${s.name}' has shape [${s.shape.join(', ')}] with no dim for the data plate '${dataPlate.name}'`, s.name);
      }
      datapointAxis = axis;
    }
    return { name: s.name, kind: s.kind, shape: s.shape, support: s.support, values: values.get(s.name)!, datapointAxis };
  });
}
