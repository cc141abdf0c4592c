import type { Needs, Point } from './integrator.js';
import type { LogDensity } from './potential.js';

/**
 * Runs one generator per chain to completion, answering their requests for (log density, gradient)
 * with one model evaluation for all chains that are waiting. Chains follow their own trajectories
 * (NUTS trees of different depths): a chain that has finished idles at its last position, which is
 * evaluated along with the others (no extra model run) and ignored.
 */
export function drive<T, A extends unknown[]>(chains: readonly Needs<T>[], density: LogDensity<A>, onEvaluation?: () => void): T[] {
  const run = evaluations(chains, density, onEvaluation);
  for (;;) {
    const next = run.next();
    if (next.done) return next.value;
  }
}

/**
 * `drive`, giving the event loop a turn whenever `everyMs` of work has passed since the last one (a
 * macrotask, so a page repaints and a server answers), with the same evaluations in the same order:
 * the same draws. Between turns no model runs, so no handler is on the stack while others' code runs.
 */
export async function driveYielding<T, A extends unknown[]>(chains: readonly Needs<T>[], density: LogDensity<A>, onEvaluation?: () => void, everyMs = 50): Promise<T[]> {
  const run = evaluations(chains, density, onEvaluation);
  let last = Date.now();
  for (;;) {
    const next = run.next();
    if (next.done) return next.value;
    if (Date.now() - last >= everyMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      last = Date.now();
    }
  }
}

/** The driver's loop, pausing after each model evaluation; returns the chains' results. */
function* evaluations<T, A extends unknown[]>(chains: readonly Needs<T>[], density: LogDensity<A>, onEvaluation?: () => void): Generator<void, T[], void> {
  const c = chains.length;
  const d = density.layout.dimension;
  const results: (T | undefined)[] = new Array<T | undefined>(c).fill(undefined);
  const pending: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(c).fill(undefined);
  const idle = new Float64Array(c * d);
  for (let i = 0; i < c; i++) {
    const step = chains[i]!.next(undefined as unknown as Point);
    if (step.done) results[i] = step.value;
    else pending[i] = step.value;
  }
  const positions = new Float64Array(c * d);
  while (pending.some((p) => p !== undefined)) {
    for (let i = 0; i < c; i++) positions.set(pending[i] ?? idle.subarray(i * d, (i + 1) * d), i * d);
    const e = density.evaluate(positions, pending.map((p) => p !== undefined));
    onEvaluation?.();
    for (let i = 0; i < c; i++) {
      const q = pending[i];
      if (!q) continue;
      idle.set(q, i * d);
      const v = e.values.length / c;
      const point: Point = {
        q,
        logDensity: e.logDensity[i]!,
        gradient: e.gradient.slice(i * d, (i + 1) * d),
        values: e.values.slice(i * v, (i + 1) * v),
      };
      const step = chains[i]!.next(point);
      if (step.done) {
        results[i] = step.value;
        pending[i] = undefined;
      } else pending[i] = step.value;
    }
    yield;
  }
  return results as T[];
}
