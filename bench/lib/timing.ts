/**
 * Interleaved timing: on a shared, noisy machine (two cores, other jobs), variants are measured in
 * alternation within one run, each repeat in a rotated order, and compared by medians. A ratio taken
 * this way survives load that comes and goes; two separate runs do not.
 */

export interface Variant {
  /** Prepares the variant (e.g. switches kernels); not timed. */
  readonly setup?: () => Promise<void> | void;
  /** One timed unit of work. */
  readonly run: () => void;
}

export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samples: number;
  /** The raw times, one per round, in round order (for paired ratios; not written to the JSON). */
  readonly rounds: readonly number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs every variant `warmup` times, then `repeats` rounds of one timed run each (after its setup),
 * rotating which variant goes first. Returns per-variant timings in milliseconds.
 */
export async function interleave<K extends string>(variants: Readonly<Record<K, Variant>>, options: { readonly repeats: number; readonly warmup: number }): Promise<Record<K, Timing>> {
  const names = Object.keys(variants) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (const name of names) {
    await variants[name].setup?.();
    for (let i = 0; i < options.warmup; i++) variants[name].run();
  }
  for (let r = 0; r < options.repeats; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length]!;
      await variants[name].setup?.();
      const start = performance.now();
      variants[name].run();
      samples[name].push(performance.now() - start);
    }
  }
  const timing = (rounds: number[]): Timing => ({
    medianMs: round(median(rounds)),
    minMs: round(Math.min(...rounds)),
    maxMs: round(Math.max(...rounds)),
    samples: rounds.length,
    rounds,
  });
  return Object.fromEntries(names.map((n) => [n, timing(samples[n])])) as Record<K, Timing>;
}

/**
 * Median over rounds of a's time / b's time in the same round. The two runs of a round are adjacent in
 * time, so load that drifts over the run cancels in each ratio: steadier than a ratio of medians.
 */
export function pairedRatio(a: Timing, b: Timing): number {
  return round(median(a.rounds.map((t, i) => t / b.rounds[i]!)));
}

/** Rounds for the JSON: 4 significant digits are more than the noise allows. */
export function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : x;
}
