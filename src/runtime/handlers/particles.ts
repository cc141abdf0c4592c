import * as tf from '@tensorflow/tfjs';
import { fail, requireProgram } from '../errors.js';
import type { Message } from '../messages.js';
import { ChunkedRandomSource, currentRandom, popRandom, pushRandom, type RandomSource, type Stream } from '../rng.js';
import { formatShape, padLeft } from '../shapes.js';
import { Messenger } from '../stack.js';
import type { Trace } from '../trace.js';
import { BlockMessenger } from './block.js';
import { enumeratedDims } from './enumerate.js';
import { TraceMessenger } from './trace.js';
import { withSeed } from './seed.js';

/** Index of the particle-independent child stream (far above any particle index). */
const SHARED_STREAM = 2 ** 40;

/**
 * The random source of particle k is `base.split(k)`: a loop over particles that uses
 * `particleSource(base, k)` draws exactly the numbers of the vectorised run.
 */
export function particleSource(base: Stream, k: number): ChunkedRandomSource {
  return new ChunkedRandomSource([base.split(k)], base.split(SHARED_STREAM));
}

/** Particles first..first+count-1 of `base`, drawn at once (chunks of a large K draw the same numbers). */
export function vectorizedSource(base: Stream, count: number, first = 0): ChunkedRandomSource {
  return new ChunkedRandomSource(
    Array.from({ length: count }, (_, k) => base.split(first + k)),
    base.split(SHARED_STREAM),
  );
}

/** Draw K independent particles of every sample site at once, on batch dim `dim` (negative). */
export class ParticlesMessenger extends Messenger {
  #source: RandomSource | undefined;

  constructor(
    readonly count: number,
    readonly dim: number,
    private readonly base?: Stream,
    /** Index of the first particle (for drawing a large K in chunks). */
    private readonly first = 0,
    /** Draw from this source instead of per-particle streams (it must put the particle dim first). */
    private readonly source?: RandomSource,
  ) {
    super();
    if (!Number.isInteger(count) || count < 1) {
      fail('invalid-argument', `particles: K must be a positive integer, got ${count}`, 'particles');
    }
    if (!Number.isInteger(dim) || dim >= 0) {
      fail('invalid-argument', `particles: dim must be a negative integer, got ${dim}`, 'particles');
    }
  }

  override enter(): void {
    this.#source = this.source ?? vectorizedSource(this.base ?? currentRandom().shared.fork(), this.count, this.first);
    pushRandom(this.#source);
    super.enter();
  }

  override exit(): void {
    super.exit();
    if (this.#source) popRandom(this.#source);
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample') return;
    const batch = msg.fn.batchShape;
    const rank = -this.dim;
    // Dims left of the particle dim are enumerated latents' supports (handlers/enumerate.ts), which
    // downstream sites broadcast over: each must be 1 or that support's size.
    const enumerated = enumeratedDims();
    const left = batch.slice(0, Math.max(0, batch.length - rank));
    const leftOk = left.every((size, i) => {
      const n = enumerated.get(i - batch.length);
      return n !== undefined && (size === 1 || size === n);
    });
    const own = batch.slice(left.length);
    // Parameters computed from earlier particles already carry K (or 1) at the particle dim.
    const carriesParticles = own.length === rank && (own[0] === this.count || own[0] === 1);
    if (!leftOk || (own.length === rank && !carriesParticles)) {
      fail(
        'shape-mismatch',
        `site '${msg.name}' has batch shape ${formatShape(batch)}, which reaches the particle dim ${this.dim}; ` +
          `declare its independent dims with plates, or move them into the event with .toEvent(n)`,
        msg.name,
      );
    }
    const target = carriesParticles ? [...left, this.count, ...own.slice(1)] : [this.count, ...padLeft(own, rank - 1)];
    if (!tf.util.arraysEqual(target, [...batch])) msg.fn = msg.fn.expand(target);
  }
}

/**
 * The largest number of batch dims any sample site (or observed value) of a trace uses: the particle
 * dim must sit to the left of all of them.
 */
export function maxBatchRank(trace: Trace): number {
  let rank = 0;
  for (const site of trace.sampleSites()) {
    const valueBatch = site.value.rank - site.fn.eventShape.length;
    rank = Math.max(rank, site.fn.batchShape.length, site.observed ? valueBatch : 0);
    for (const p of site.plates) rank = Math.max(rank, -p.dim);
  }
  return rank;
}

/** Find the particle dim of a program by one unvectorised dry run (randomness forked, not consumed). */
export function inferParticleDim<A extends unknown[]>(fn: (...args: A) => unknown, args: A): number {
  return tf.tidy(() => {
    // Blocked: the dry run's sites must not reach handlers outside `particles`.
    const messenger = new TraceMessenger();
    const hidden = new BlockMessenger();
    withSeed(currentRandom().shared.fork(), () => hidden.run(() => messenger.run(() => fn(...args))));
    return -(maxBatchRank(messenger.trace) + 1);
  });
}

export interface ParticlesOptions {
  /**
   * The particle batch dim (negative); default: left of every batch dim the program uses, found by
   * a dry run. Give it when the program replays values that already carry particles.
   */
  readonly dim?: number;
}

/**
 * Vectorise a program over K particles: every sample site gets K independent draws on the leftmost
 * batch dim, and log-probs carry that dim. Particle k draws exactly what a loop's k-th run would.
 *
 * @example
 * const tr = trace(particles(guide, 10)).getTrace(x); // z has shape [10, ...]
 */
export function particles<A extends unknown[], R>(
  fn: (...args: A) => R,
  count: number,
  options: ParticlesOptions = {},
): (...args: A) => R {
  requireProgram(fn, 'particles');
  return (...args) => {
    const dim = options.dim ?? inferParticleDim(fn, args);
    return new ParticlesMessenger(count, dim).run(() => fn(...args));
  };
}
