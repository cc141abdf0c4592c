import { requireProgram } from '../errors.js';
import { ChunkedRandomSource, currentRandom, Stream, withRandom, type RandomSource } from '../rng.js';
import { ensureSync } from '../stack.js';

/**
 * Run `fn` with every random choice drawn from a stream seeded by `s`: the same seed gives the same
 * numbers. Not a message handler: randomness is a dynamic scope read by the default actions.
 *
 * @example
 * const tr1 = trace(seed(model, 42)).getTrace();
 * const tr2 = trace(seed(model, 42)).getTrace(); // identical values
 */
export function seed<A extends unknown[], R>(fn: (...args: A) => R, s: number | string): (...args: A) => R {
  requireProgram(fn, 'seed');
  Stream.fromSeed(s); // refuse a bad seed here, not at the first run
  return (...args) => withSeed(s, () => fn(...args));
}

/** Scope form of `seed`. */
export function withSeed<T>(s: number | string | Stream, thunk: () => T): T {
  const stream = s instanceof Stream ? s : Stream.fromSeed(s);
  return withRandom(ChunkedRandomSource.single(stream), () => ensureSync(thunk()));
}

/** A new independent stream derived from the current random scope (advances it). */
export function forkStream(): Stream {
  return currentRandom().shared.fork();
}

export type { RandomSource };
