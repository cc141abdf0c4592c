import { fail } from '../../runtime/errors.js';
import type { Stream } from '../../runtime/rng.js';
import { DualAveraging, reasonableStepSize, warmupWindows, WelfordVariance } from './adaptation.js';
import type { Needs, Point } from './integrator.js';
import type { Kernel } from './kernel.js';

/** What one chain produced: its draws after warm-up and the sampler's statistics per draw. */
export interface ChainRecord {
  /** Constrained values, [draws, V] row-major (V: every site's entries). */
  readonly values: Float32Array;
  /** Unconstrained positions, [draws, D]. */
  readonly positions: Float64Array;
  readonly divergent: Uint8Array;
  readonly treeDepth: Uint8Array;
  readonly steps: Uint32Array;
  readonly acceptStat: Float64Array;
  readonly energy: Float64Array;
  /** The step size used after warm-up, and the adapted inverse mass (variances). */
  readonly stepSize: number;
  readonly inverseMass: Float64Array;
  /** Divergences during warm-up (not counted in the draws'). */
  readonly warmupDivergences: number;
  /** Gradient evaluations this chain asked for, warm-up included. */
  readonly gradientEvaluations: number;
}

export interface ChainPlan {
  readonly kernel: Kernel;
  readonly warmup: number;
  readonly draws: number;
  readonly dimension: number;
  readonly valueSize: number;
  /** Initial unconstrained values are uniform on (-initRadius, initRadius) (Stan's default 2). */
  readonly initRadius: number;
  /** A fixed initial position instead (for tests and restarts). */
  readonly init?: Float64Array;
}

/** A first point with a finite log density: up to 100 uniform draws in (-r, r)^D, as Stan tries. */
function* initialPoint(plan: ChainPlan, rng: Stream): Needs<Point> {
  if (plan.init) {
    const point = yield plan.init;
    if (Number.isFinite(point.logDensity)) return point;
    fail('non-finite', 'mcmc: the log density is not finite at the given initial values; start inside every support and where every observation has positive density', 'init');
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const q = new Float64Array(plan.dimension);
    for (let i = 0; i < q.length; i++) q[i] = plan.initRadius * (2 * rng.uniform() - 1);
    const point = yield q;
    if (Number.isFinite(point.logDensity)) return point;
  }
  return fail(
    'non-finite',
    `mcmc: no finite log density at 100 random initial values (unconstrained, uniform in (-${plan.initRadius}, ${plan.initRadius})); ` +
      'check that the observations have positive density for some latent values, or give a smaller initRadius',
    'initRadius',
  );
}

/** One chain: warm-up with adaptation, then `draws` recorded transitions. */
export function* runChain(plan: ChainPlan, rng: Stream): Needs<ChainRecord> {
  const { kernel, warmup, draws, dimension: d, valueSize: v } = plan;
  let evaluations = 0;
  // Count the gradient evaluations this chain asks for.
  function* counted<T>(inner: Needs<T>): Needs<T> {
    let step = inner.next(undefined as unknown as Point);
    while (!step.done) {
      evaluations++;
      step = inner.next(yield step.value);
    }
    return step.value;
  }
  let point = yield* counted(initialPoint(plan, rng));
  let inverseMass: Float64Array = new Float64Array(d).fill(1);
  let eps = kernel.stepSize ?? 1;
  const tuneStepSize = kernel.adaptStepSize && warmup > 0;
  if (tuneStepSize && kernel.stepSize === undefined) eps = yield* counted(reasonableStepSize(point, eps, inverseMass, rng));
  const averaging = new DualAveraging(kernel.targetAccept);
  averaging.restart(eps);
  const windows = kernel.adaptMass ? warmupWindows(warmup) : [];
  const variance = new WelfordVariance(d);
  let warmupDivergences = 0;
  for (let t = 0; t < warmup; t++) {
    const step = yield* counted(kernel.transition(point, eps, inverseMass, rng));
    point = step.point;
    if (step.divergent) warmupDivergences++;
    if (tuneStepSize) eps = averaging.learn(step.acceptStat);
    const window = windows.find((w) => t >= w.start && t < w.end);
    if (window) {
      variance.add(point.q);
      if (t === window.end - 1) {
        inverseMass = variance.regularized();
        variance.reset();
        if (tuneStepSize) {
          eps = yield* counted(reasonableStepSize(point, eps, inverseMass, rng));
          averaging.restart(eps);
        }
      }
    }
  }
  if (tuneStepSize) eps = averaging.final;
  const record = {
    values: new Float32Array(draws * v),
    positions: new Float64Array(draws * d),
    divergent: new Uint8Array(draws),
    treeDepth: new Uint8Array(draws),
    steps: new Uint32Array(draws),
    acceptStat: new Float64Array(draws),
    energy: new Float64Array(draws),
  };
  for (let s = 0; s < draws; s++) {
    const step = yield* counted(kernel.transition(point, eps, inverseMass, rng));
    point = step.point;
    record.values.set(point.values, s * v);
    record.positions.set(point.q, s * d);
    record.divergent[s] = step.divergent ? 1 : 0;
    record.treeDepth[s] = step.treeDepth;
    record.steps[s] = step.steps;
    record.acceptStat[s] = step.acceptStat;
    record.energy[s] = step.energy;
  }
  return { ...record, stepSize: eps, inverseMass, warmupDivergences, gradientEvaluations: evaluations };
}
