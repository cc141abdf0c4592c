import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { float32Uniform, type RandomSource, type Stream } from '../../runtime/rng.js';

/**
 * Chains in noise space. Every random number a guide draws comes through a RandomSource, so a guide
 * run is a deterministic function of its noise: a Markov chain over particles can hold the noise
 * (one tensor per draw, particle dim first) and recompute z by replaying it. ISIR keeps one particle's
 * noise and redraws the rest; DISIR refreshes Gaussian noise autoregressively.
 */

export type NoiseKind = 'normal' | 'uniform';

export interface NoiseDraw {
  readonly kind: NoiseKind;
  readonly tensor: tf.Tensor;
}

/** Records the draws of one guide run (from `inner`), or replays given draws in order. */
export class NoiseSource implements RandomSource {
  readonly recorded: NoiseDraw[] = [];
  #next = 0;

  constructor(
    readonly shared: Stream,
    private readonly inner: RandomSource | undefined,
    private readonly replayed: readonly NoiseDraw[] | undefined,
  ) {}

  static recording(inner: RandomSource, shared: Stream): NoiseSource {
    return new NoiseSource(shared, inner, undefined);
  }

  static replaying(draws: readonly NoiseDraw[], shared: Stream): NoiseSource {
    return new NoiseSource(shared, undefined, draws);
  }

  normal(shape: readonly number[]): tf.Tensor {
    return this.#draw('normal', shape);
  }

  uniform(shape: readonly number[]): tf.Tensor {
    return this.#draw('uniform', shape);
  }

  fill(): tf.Tensor {
    fail(
      'unsupported-model',
      'cisir: the guide draws with a host-side sampler (a Poisson or binomial guide site); coupled chains need ' +
        'guides whose randomness is normal or uniform tensors',
    );
  }

  #draw(kind: NoiseKind, shape: readonly number[]): tf.Tensor {
    if (this.replayed) {
      const d = this.replayed[this.#next++];
      if (!d || d.kind !== kind || !tf.util.arraysEqual(d.tensor.shape, [...shape])) {
        fail('unsupported-model', 'cisir: the guide drew different noise on a replay (data-dependent control flow in the guide?)');
      }
      return d.tensor;
    }
    // Kept: distributions draw inside their own tf.tidy, which would dispose the recording.
    const tensor = tf.keep(kind === 'normal' ? this.inner!.normal(shape) : this.inner!.uniform(shape));
    this.recorded.push({ kind, tensor });
    return tensor;
  }

  /** Release the recorded draws (they are kept out of every tidy scope). */
  disposeRecorded(): void {
    for (const d of this.recorded) d.tensor.dispose();
    this.recorded.length = 0;
  }
}

/** The kind and shape of one draw (without its values). */
export interface NoiseSpec {
  readonly kind: NoiseKind;
  readonly shape: readonly number[];
}

/**
 * Fresh noise of the given kinds and shapes with the data axis (of `specs`' full batch) restricted to
 * `datapoints` (original indices, in order; all of them when undefined). Each datapoint's values come
 * from its own stream, `stream.split(draw).split(datapoint)`, so they do not depend on which other
 * datapoints are drawn, and a runner narrowed to a few live chains draws only for those.
 */
export function freshNoise(specs: readonly NoiseSpec[], stream: Stream, dataAxis: number | undefined, datapoints?: Int32Array): NoiseDraw[] {
  return specs.map((spec, draw) => {
    const own = stream.split(draw);
    const sample = spec.kind === 'normal' ? (s: Stream) => s.normal() : float32Uniform;
    const shape = [...spec.shape];
    const axis = dataAxis ?? shape.length; // no data plate: one datapoint covering everything
    const picked = datapoints ?? Int32Array.from({ length: dataAxis === undefined ? 1 : shape[axis]! }, (_, j) => j);
    const outer = shape.slice(0, axis).reduce((p, q) => p * q, 1);
    const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
    const n = picked.length;
    const out = new Float32Array(outer * n * inner);
    for (let j = 0; j < n; j++) {
      const s = own.split(picked[j]!);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out[(o * n + j) * inner + i] = sample(s);
    }
    if (dataAxis !== undefined) shape[axis] = n;
    return { kind: spec.kind, tensor: tf.tensor(out, shape) };
  });
}

/**
 * The ISIR / DISIR proposal noise of one chain (Ruiz et al. 2021), for every datapoint b: position a_b
 * keeps the chain's selected particle (`index[b]` of `noise`); the others follow an AR(1) walk away from
 * it, xi_k = beta xi_{k-1} + sqrt(1 - beta^2) n_k forwards and xi_k = beta xi_{k+1} + sqrt(1 - beta^2) n_k
 * backwards, n = `fresh`. With beta = 0 this is ISIR's proposal (fresh noise everywhere but a_b).
 *
 * Computed on the host: the noise is small ([K, ..., B, ...]) while the walk is sequential in k, and as
 * tensor ops it cost a few hundred tiny kernels per chain and step, most of an iteration's time.
 */
export function proposalNoise(noise: tf.Tensor, index: Int32Array, fresh: tf.Tensor, a: Int32Array, beta: number, dataAxis: number | undefined): tf.Tensor {
  const shape = fresh.shape;
  const k = shape[0]!;
  const columns = fresh.size / k; // one walk per (datapoint, event coordinate)
  const stride = dataAxis === undefined ? columns : shape.slice(dataAxis + 1).reduce((p, q) => p * q, 1);
  const datapoints = dataAxis === undefined ? 1 : shape[dataAxis]!;
  const current = noise.dataSync();
  const n = fresh.dataSync();
  const out = new Float32Array(fresh.size);
  const c = Math.sqrt(1 - beta * beta);
  for (let col = 0; col < columns; col++) {
    const b = Math.floor(col / stride) % datapoints;
    const at = a[b]!;
    let walk = current[index[b]! * columns + col]!;
    out[at * columns + col] = walk;
    for (let i = at + 1; i < k; i++) {
      walk = beta * walk + c * n[i * columns + col]!;
      out[i * columns + col] = walk;
    }
    walk = out[at * columns + col]!;
    for (let i = at - 1; i >= 0; i--) {
      walk = beta * walk + c * n[i * columns + col]!;
      out[i * columns + col] = walk;
    }
  }
  return tf.tensor(out, [...shape]);
}
