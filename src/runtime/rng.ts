import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.js';

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

/** A stream of independent uniforms, identified by a 64-bit key; `split(i)` derives child streams. */
export class Stream {
  #counter = 0;
  private constructor(
    private readonly keyA: number,
    private readonly keyB: number,
  ) {}

  /** A root stream from a user seed (any finite number or string). */
  static fromSeed(seed: number | string): Stream {
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
    return new Stream(a, mix32(a ^ b ^ 0x5bd1e995));
  }

  /** A fresh child stream that advances this one, so successive forks differ. */
  fork(): Stream {
    return this.split(this.nextUint32() + TWO_POW_32 * (this.nextUint32() & 0x1fffff));
  }

  nextUint32(): number {
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
    const n = size(shape);
    const chunks = this.chunks(shape);
    const per = n / chunks;
    const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    for (let c = 0; c < chunks; c++) {
      const s = this.streams[c]!;
      for (let j = 0; j < per; j++) out[c * per + j] = draw(s, c * per + j);
    }
    return tf.tensor(out, [...shape], dtype);
  }

  uniform(shape: readonly number[]): tf.Tensor {
    return this.fill(shape, (s) => float32Uniform(s));
  }

  normal(shape: readonly number[]): tf.Tensor {
    return this.fill(shape, (s) => s.normal());
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
