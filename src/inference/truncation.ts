import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';

/**
 * Laws of the random truncation level K used by the debiased estimators. Each law gives the sampler and
 * the exact P(K = k) and P(K >= k) of the distribution actually sampled: the estimators divide by these
 * (a term kept iff K >= k is divided by exactly P(K >= k)).
 */
export interface TruncationLaw {
  readonly name: string;
  sample(stream: Stream): number;
  /** P(K = k). */
  mass(k: number): number;
  /** P(K >= k). */
  tail(k: number): number;
  /** E[K]. */
  readonly mean: number;
  /** The largest possible K, or Infinity. */
  readonly max: number;
}

/**
 * Geometric(r) on {0, 1, ...}: P(K = k) = r (1 - r)^k, P(K >= k) = (1 - r)^k. With `cap`, renormalised
 * on {0, ..., cap}: then the debiased estimator targets the finite-sample bound at level cap, not the limit.
 */
export function geometricLaw(r: number, cap?: number): TruncationLaw {
  if (!(r > 0 && r < 1)) fail('invalid-argument', `the level law needs 0 < r < 1, got r = ${r}`, 'r');
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 0)) {
    fail('invalid-argument', `maxLevel must be an integer >= 0, got ${cap}`, 'maxLevel');
  }
  const q = 1 - r;
  if (cap === undefined) {
    return {
      name: `geometric(${r})`,
      // Inversion: K = floor(log U / log(1 - r)) has P(K >= k) = (1 - r)^k exactly.
      sample: (stream) => Math.floor(Math.log(stream.uniform()) / Math.log(q)),
      mass: (k) => (k < 0 ? 0 : r * q ** k),
      tail: (k) => (k <= 0 ? 1 : q ** k),
      mean: q / r,
      max: Infinity,
    };
  }
  const z = 1 - q ** (cap + 1); // P(K <= cap) under the uncapped law
  let mean = 0;
  for (let k = 0; k <= cap; k++) mean += (k * r * q ** k) / z;
  return {
    name: `geometric(${r}) capped at ${cap}`,
    sample: (stream) => {
      // Inversion of the renormalised law: U * z is uniform on (0, z), i.e. K given K <= cap.
      return Math.min(cap, Math.floor(Math.log(1 - stream.uniform() * z) / Math.log(q)));
    },
    mass: (k) => (k < 0 || k > cap ? 0 : (r * q ** k) / z),
    tail: (k) => (k <= 0 ? 1 : k > cap ? 0 : (q ** k - q ** (cap + 1)) / z),
    mean,
    max: cap,
  };
}

/**
 * SUMO's soft-truncated tail (Luo et al. 2020; docs/estimators.md, "sumo"): P(K >= k) = 1 / (k + 1) for k < alpha - 1,
 * then (1 / alpha) 0.9^(k - alpha + 1). E[K] is about 4.08 at alpha = 80.
 */
export function sumoLaw(alpha = 80): TruncationLaw {
  if (!(Number.isInteger(alpha) && alpha >= 2)) fail('invalid-argument', `sumo: alpha must be an integer >= 2, got ${alpha}`, 'alpha');
  const tail = (k: number): number => (k <= 0 ? 1 : k < alpha - 1 ? 1 / (k + 1) : (1 / alpha) * 0.9 ** (k - alpha + 1));
  // E[K] = sum_{k >= 1} P(K >= k): the harmonic head plus a geometric tail summed in closed form.
  let mean = 0;
  for (let k = 1; k < alpha - 1; k++) mean += tail(k);
  mean += (1 / alpha) / (1 - 0.9);
  return {
    name: `sumo(alpha=${alpha})`,
    sample: (stream) => {
      const u = stream.uniform();
      // Inversion of the two pieces of the tail; its tail is exactly `tail` above.
      return u < 1 - 1 / alpha
        ? Math.floor(1 / (1 - u) - 1)
        : Math.floor((Math.log(alpha) + Math.log(1 - u)) / Math.log(0.9) + alpha - 1);
    },
    mass: (k) => tail(k) - tail(k + 1),
    tail,
    mean,
    max: Infinity,
  };
}
