import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { ChunkedRandomSource, type RandomSource, type Stream } from '../../runtime/rng.js';

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

/** Fresh noise of the given kinds and shapes, from `stream`. */
export function freshNoise(specs: readonly NoiseSpec[], stream: Stream): NoiseDraw[] {
  const source = ChunkedRandomSource.single(stream);
  return specs.map((d) => ({ kind: d.kind, tensor: d.kind === 'normal' ? source.normal(d.shape) : source.uniform(d.shape) }));
}

/**
 * A [K, 1.., B, 1..] mask of rank `rank` selecting particle `indices[b]` for datapoint b, with the data
 * axis at `dataAxis` (or no data axis: one index for all).
 */
export function particleMask(indices: Int32Array, k: number, rank: number, dataAxis: number | undefined): tf.Tensor {
  const b = indices.length;
  const values = new Float32Array(k * b);
  for (let j = 0; j < b; j++) values[indices[j]! * b + j] = 1;
  const shape = new Array<number>(rank).fill(1);
  shape[0] = k;
  if (dataAxis !== undefined) shape[dataAxis] = b;
  return tf.tensor(values, shape);
}

/** Like `particleMask`, but 1 for every particle k >= indices[b] (built on the host: no cumsum kernel). */
export function fromParticleMask(indices: Int32Array, k: number, rank: number, dataAxis: number | undefined): tf.Tensor {
  const b = indices.length;
  const values = new Float32Array(k * b);
  for (let j = 0; j < b; j++) for (let i = indices[j]!; i < k; i++) values[i * b + j] = 1;
  const shape = new Array<number>(rank).fill(1);
  shape[0] = k;
  if (dataAxis !== undefined) shape[dataAxis] = b;
  return tf.tensor(values, shape);
}

/** For each datapoint, the noise of its particle `indices[b]`: [1, ...]. */
export function selectParticle(noise: tf.Tensor, indices: Int32Array, dataAxis: number | undefined): tf.Tensor {
  return tf.sum(tf.mul(noise, particleMask(indices, noise.shape[0]!, noise.rank, dataAxis)), 0, true);
}

/**
 * The DISIR proposal noise (Ruiz et al. 2021): position a_b keeps `kept`; the others follow an AR(1)
 * walk away from it, xi_k = beta xi_{k-1} + sqrt(1 - beta^2) n_k forwards and likewise backwards.
 * With beta = 0 this is ISIR's proposal (fresh noise everywhere but a_b).
 */
export function refreshedNoise(kept: tf.Tensor, fresh: tf.Tensor, a: Int32Array, beta: number, dataAxis: number | undefined): tf.Tensor {
  const k = fresh.shape[0]!;
  const at = particleMask(a, k, fresh.rank, dataAxis); // 1 where k = a_b
  if (beta === 0) return tf.add(tf.mul(at, kept), tf.mul(tf.sub(1, at), fresh));
  const c = Math.sqrt(1 - beta * beta);
  const rows = Array.from({ length: k }, (_, i) => tf.slice(fresh, i, 1));
  const atRow = Array.from({ length: k }, (_, i) => tf.slice(at, i, 1));
  const forward: tf.Tensor[] = [];
  const backward: tf.Tensor[] = new Array<tf.Tensor>(k);
  for (let i = 0; i < k; i++) {
    const walked = i === 0 ? tf.mul(rows[i]!, c) : tf.add(tf.mul(forward[i - 1]!, beta), tf.mul(rows[i]!, c));
    forward.push(tf.add(tf.mul(atRow[i]!, kept), tf.mul(tf.sub(1, atRow[i]!), walked)));
  }
  for (let i = k - 1; i >= 0; i--) {
    const walked = i === k - 1 ? tf.mul(rows[i]!, c) : tf.add(tf.mul(backward[i + 1]!, beta), tf.mul(rows[i]!, c));
    backward[i] = tf.add(tf.mul(atRow[i]!, kept), tf.mul(tf.sub(1, atRow[i]!), walked));
  }
  // Positions at or after a_b take the forward walk, before it the backward walk.
  const cumulative = fromParticleMask(a, k, fresh.rank, dataAxis);
  return tf.add(tf.mul(cumulative, tf.concat(forward, 0)), tf.mul(tf.sub(1, cumulative), tf.concat(backward, 0)));
}
