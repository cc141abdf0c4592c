import * as tf from '@tensorflow/tfjs';
import { fail, kindOf } from './errors.js';

/**
 * Seeded, splittable, counter-based random numbers. Every random choice in roulette (sampled values,
 * plate subsamples, levels K, resampling indices) is drawn from a `Stream`, never from `Math.random`
 * or tfjs's own random ops, so one user seed fixes every number, and a vectorised run over K particles
 * draws exactly what a loop over the particles draws (particle k always uses stream `base.split(k)`).
 */

// Chris Wellons' "lowbias32" integer hash: full avalanche, cheap in JS.
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_POW_32 = 4294967296;

/**
 * How a stream was derived from its parent, so a compiled step can derive the same stream from the next
 * step's root (src/runtime/compile/): `split(index)`, or `fork()` taken when the parent's counter stood at
 * `counter`.
 */
export type StreamOrigin = { readonly parent: Stream; readonly index: number } | { readonly parent: Stream; readonly forkedAt: number };

/** Told of every host-side draw while a step is being captured (compile mode); see `watchHostDraws`. */
let hostDrawWatcher: ((stream: Stream) => void) | undefined;
let hostDrawsHidden = 0;

/** Watch draws made on the host (outside `RandomSource` tensor fills) until the returned function is called. */
export function watchHostDraws(watcher: (stream: Stream) => void): () => void {
  const previous = hostDrawWatcher;
  hostDrawWatcher = watcher;
  return () => {
    hostDrawWatcher = previous;
  };
}

function hidingHostDraws<T>(thunk: () => T): T {
  hostDrawsHidden++;
  try {
    return thunk();
  } finally {
    hostDrawsHidden--;
  }
}

/** A stream of independent uniforms, identified by a 64-bit key; `split(i)` derives child streams. */
export class Stream {
  #counter = 0;
  /** Where this stream came from (undefined for a root). */
  readonly origin: StreamOrigin | undefined;
  private constructor(
    private readonly keyA: number,
    private readonly keyB: number,
    origin?: StreamOrigin,
  ) {
    this.origin = origin;
  }

  /** Does `other` have this stream's keys (the same numbers, whatever its counter)? */
  sameStream(other: Stream): boolean {
    return this.keyA === other.keyA && this.keyB === other.keyB;
  }

  /** Draws taken so far (the counter of the next one). */
  get position(): number {
    return this.#counter;
  }

  /** This stream's keys with the counter at `position`: replays draws that started there. */
  at(position: number): Stream {
    const copy = new Stream(this.keyA, this.keyB, this.origin);
    copy.#counter = position;
    return copy;
  }

  /** A root stream from a user seed (any finite number or string). */
  static fromSeed(seed: number | string): Stream {
    // Any string or number would make *a* stream; NaN, undefined or an object is a mistake that would
    // silently give everyone the same fixed stream.
    if (!(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))) {
      fail('invalid-argument', `seed must be a finite number or a string, got ${kindOf(seed)}`, 'seed');
    }
    let a = 0x243f6a88;
    let b = 0x85a308d3;
    const text = String(seed);
    for (let i = 0; i < text.length; i++) {
      a = mix32(a ^ text.charCodeAt(i));
      b = mix32(b + Math.imul(text.charCodeAt(i), 0x9e3779b1));
    }
    return new Stream(mix32(a ^ 0x13198a2e), mix32(b ^ 0x03707344));
  }

  /** A child stream; a pure function of this stream's key and `index` (does not advance this stream). */
  split(index: number): Stream {
    const lo = index >>> 0;
    const hi = Math.floor(index / TWO_POW_32) >>> 0;
    const a = mix32(this.keyA ^ mix32(lo ^ 0x632be5ab) ^ Math.imul(hi, 0x2545f491));
    const b = mix32(this.keyB + mix32(lo + 0x9e3779b9) + Math.imul(hi, 0x68e31da4));
    return new Stream(a, mix32(a ^ b ^ 0x5bd1e995), { parent: this, index });
  }

  /** A fresh child stream that advances this one, so successive forks differ. */
  fork(): Stream {
    const forkedAt = this.#counter;
    const index = hidingHostDraws(() => this.nextUint32() + TWO_POW_32 * (this.nextUint32() & 0x1fffff));
    const child = this.split(index);
    return new Stream(child.keyA, child.keyB, { parent: this, forkedAt });
  }

  nextUint32(): number {
    if (hostDrawWatcher && hostDrawsHidden === 0) hostDrawWatcher(this);
    const c = this.#counter++;
    const lo = c >>> 0;
    const hi = Math.floor(c / TWO_POW_32);
    return mix32(this.keyA ^ mix32(this.keyB ^ mix32(lo + 0x9e3779b9) ^ Math.imul(hi, 0x85ebca6b)));
  }

  /** Uniform on the open interval (0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** A standard normal (Box-Muller; one draw per pair of uniforms keeps consumption fixed). */
  normal(): number {
    const u1 = this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An integer uniform on {0, ..., n-1}. */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }
}

/** How distributions get randomness. Shapes are the full shape of the draw, particle dim first. */
export interface RandomSource {
  /** float32 uniforms on (0, 1). */
  uniform(shape: readonly number[]): tf.Tensor;
  /** float32 standard normals. */
  normal(shape: readonly number[]): tf.Tensor;
  /**
   * Host-side sampling for laws without a tensor sampler (Poisson, binomial): `draw(stream, i)` returns
   * element i (flat, row-major over `shape`) using `stream`. Extra draws must go on trailing dims so the
   * leading (particle) dim stays first.
   */
  fill(
    shape: readonly number[],
    draw: (stream: Stream, flatIndex: number) => number,
    dtype?: 'float32' | 'int32',
  ): tf.Tensor;
  /** Draws that must not depend on the particle (plate subsamples, estimator levels). */
  readonly shared: Stream;
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A uniform from `stream` that stays inside (0, 1) once stored as float32 (which would round values
 * within 3e-8 of 1 up to 1): callers take logs of u and 1 - u.
 */
export function float32Uniform(stream: Stream): number {
  return Math.min(Math.max(stream.uniform(), 1e-7), 1 - 6e-8);
}

/** What a tensor fill drew: enough to draw the same numbers again from re-derived streams. */
export interface FillRecord {
  readonly kind: 'uniform' | 'normal' | 'subsample' | 'custom';
  readonly shape: readonly number[];
  /** For 'subsample': the size of the population the indices are drawn from. */
  readonly population?: number;
  readonly dtype: 'float32' | 'int32';
  /** The stream of each chunk of the leading dim, and its counter when the fill started. */
  readonly streams: readonly Stream[];
  readonly starts: readonly number[];
}

let fillWatcher: ((tensor: tf.Tensor, fill: FillRecord) => void) | undefined;

/** Told of every tensor a `ChunkedRandomSource` fills, until the returned function is called. */
export function watchFills(watcher: (tensor: tf.Tensor, fill: FillRecord) => void): () => void {
  const previous = fillWatcher;
  fillWatcher = watcher;
  return () => {
    fillWatcher = previous;
  };
}

/** Draw `count` numbers of a fill's `kind` from `stream` into `out` at `offset` (compiled replays). */
export function drawInto(kind: 'uniform' | 'normal', stream: Stream, out: Float32Array, offset: number, count: number): void {
  if (kind === 'normal') for (let j = 0; j < count; j++) out[offset + j] = stream.normal();
  else for (let j = 0; j < count; j++) out[offset + j] = float32Uniform(stream);
}

/** `count` distinct indices of 0..population-1, uniformly at random (a partial Fisher-Yates shuffle), into `out`. */
export function subsampleInto(stream: Stream, population: number, count: number, out: Int32Array): void {
  const perm = new Int32Array(population);
  for (let i = 0; i < population; i++) perm[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + stream.int(population - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  out.set(perm.subarray(0, count));
}

/** `subsampleInto` as an int32 tensor (a plate's subsample), told to fill watchers so a compiled step can draw it again. */
export function subsampleTensor(stream: Stream, population: number, count: number): tf.Tensor {
  const start = stream.position;
  const out = new Int32Array(count);
  hidingHostDraws(() => subsampleInto(stream, population, count, out));
  const tensor = tf.tensor1d(out, 'int32');
  fillWatcher?.(tensor, { kind: 'subsample', shape: [count], dtype: 'int32', streams: [stream], starts: [start], population });
  return tensor;
}

/**
 * A source whose leading dim is split into chunks, chunk k drawn from `streams[k]`. With one stream
 * the shape is drawn whole (no particle dim required).
 */
export class ChunkedRandomSource implements RandomSource {
  constructor(
    private readonly streams: readonly Stream[],
    readonly shared: Stream,
  ) {}

  static single(stream: Stream): ChunkedRandomSource {
    return new ChunkedRandomSource([stream], stream);
  }

  private chunks(shape: readonly number[]): number {
    const k = this.streams.length;
    if (k === 1) return 1;
    if (shape.length === 0 || shape[0] !== k) {
      fail(
        'shape-mismatch',
        `a draw of shape [${shape.join(', ')}] inside particles(${k}) must have the particle dim (${k}) first`,
      );
    }
    return k;
  }

  fill(
    shape: readonly number[],
    draw: (stream: Stream, flatIndex: number) => number,
    dtype: 'float32' | 'int32' = 'float32',
  ): tf.Tensor {
    return this.#fill(shape, draw, dtype, 'custom');
  }

  #fill(shape: readonly number[], draw: (stream: Stream, flatIndex: number) => number, dtype: 'float32' | 'int32', kind: FillRecord['kind']): tf.Tensor {
    const n = size(shape);
    const chunks = this.chunks(shape);
    const per = n / chunks;
    const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    const streams = this.streams.slice(0, chunks);
    const starts = streams.map((s) => s.position);
    hidingHostDraws(() => {
      for (let c = 0; c < chunks; c++) {
        const s = streams[c]!;
        for (let j = 0; j < per; j++) out[c * per + j] = draw(s, c * per + j);
      }
    });
    const tensor = tf.tensor(out, [...shape], dtype);
    fillWatcher?.(tensor, { kind, shape: [...shape], dtype, streams, starts });
    return tensor;
  }

  uniform(shape: readonly number[]): tf.Tensor {
    return this.#fill(shape, (s) => float32Uniform(s), 'float32', 'uniform');
  }

  normal(shape: readonly number[]): tf.Tensor {
    return this.#fill(shape, (s) => s.normal(), 'float32', 'normal');
  }
}

// The dynamic scope of random sources: `seed` and `particles` push; primitives read the top.
let globalStream = Stream.fromSeed(Date.now() ^ Math.floor(Math.random() * TWO_POW_32));
const sources: RandomSource[] = [];

/** Reseed the global stream used when no `seed` handler is active (like `pyro.set_rng_seed`). */
export function setSeed(seed: number | string): void {
  globalStream = Stream.fromSeed(seed);
}

export function currentRandom(): RandomSource {
  return sources[sources.length - 1] ?? ChunkedRandomSource.single(globalStream);
}

/** Make `source` current until the matching `popRandom` (for handlers with enter/exit). */
export function pushRandom(source: RandomSource): void {
  sources.push(source);
}

export function popRandom(source: RandomSource): void {
  const i = sources.lastIndexOf(source);
  if (i >= 0) sources.splice(i, 1);
}

/** Run `thunk` with `source` as the current random source; restored also on errors. */
export function withRandom<T>(source: RandomSource, thunk: () => T): T {
  sources.push(source);
  try {
    return thunk();
  } finally {
    sources.pop();
  }
}
