import * as tf from '@tensorflow/tfjs';

/**
 * Kernels one training step launches, as tf.profile lists them (forward, backward and optimiser
 * kernels, each tfjs op dispatch one entry). On tiny models a step's time is mostly per-kernel
 * dispatch, so this count is the step's cost in the units that matter there.
 */
export interface KernelCount {
  /** Kernels of one step (the median over the profiled steps when there are several). */
  readonly count: number;
  /** Fewest and most over the profiled steps (only when `steps` > 1: e.g. estimators drawing a random level). */
  readonly min?: number;
  readonly max?: number;
  /** The most frequent kernel names of the median step, with how often each ran. */
  readonly top: ReadonlyArray<{ readonly name: string; readonly count: number }>;
}

/**
 * Profiles `steps` calls of `step` (default 1) with tf.profile, each alone. Call it after warm-up: the
 * first step also creates params and optimiser slots.
 */
export async function kernelsPerStep(step: () => unknown, options: { readonly steps?: number; readonly top?: number } = {}): Promise<KernelCount> {
  const steps = options.steps ?? 1;
  const profiled: string[][] = [];
  for (let i = 0; i < steps; i++) {
    const info = await tf.profile(() => void step());
    profiled.push(info.kernels.map((k) => k.name));
  }
  profiled.sort((a, b) => a.length - b.length);
  const middle = profiled[(profiled.length - 1) >> 1]!;
  const counts = new Map<string, number>();
  for (const name of middle) counts.set(name, (counts.get(name) ?? 0) + 1);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, options.top ?? 8)
    .map(([name, count]) => ({ name, count }));
  const spread = steps > 1 ? { min: profiled[0]!.length, max: profiled[profiled.length - 1]!.length } : {};
  return { count: middle.length, ...spread, top };
}

/** "218 kernels (Mul 40, Add 31, ...)" for the console summary. */
export function describeKernels(k: KernelCount, names = 3): string {
  const range = k.min !== undefined && k.max !== undefined && k.min !== k.max ? ` [${k.min}-${k.max}]` : '';
  const top = k.top.slice(0, names).map((t) => `${t.name} ${t.count}`);
  return `${k.count} kernels${range}${top.length > 0 ? ` (${top.join(', ')})` : ''}`;
}
