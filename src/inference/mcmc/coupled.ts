import { fail } from '../../runtime/errors.js';
import { currentRandom, Stream } from '../../runtime/rng.js';
import { averagingWindow } from '../cisir/window.js';
import type { Program } from '../program.js';
import { drawMomentum, hamiltonian, leapfrog, type Point } from './integrator.js';
import type { Kernel } from './kernel.js';
import { layoutOf, LogDensity } from './potential.js';

/**
 * Unbiased MCMC from lag-L coupled chains (Jacob, O'Leary & Atchadé 2020; Heng & Jacob 2019 for HMC).
 * Two chains X and Y start independently from the initial law; X runs L steps ahead, then
 * (X_t, Y_{t-L}) move by a coupled kernel until they meet exactly. The kernel is a mixture: with
 * probability `mixture` a random-walk Metropolis step whose two proposals are maximally coupled (so the
 * chains can meet), otherwise an HMC step with common momentum and a common accept uniform (which
 * contracts them). The time-averaged estimator (the one C-ISIR uses, src/inference/cisir/window.ts)
 * averages h(X_t0..X_m) and adds the corrections sum_t v_t (h(X_t) - h(Y_{t-L})) up to the meeting:
 * unbiased for E_pi h whatever the burn-in, for h the constrained values of every latent element.
 */

export interface CoupledOptions {
  /** The lag L (default 1). */
  readonly lag?: number;
  /** The first averaged iteration k (default 10). */
  readonly t0?: number;
  /** How many iterations are averaged, k .. k + window - 1 (default 10). */
  readonly window?: number;
  /** The probability of the coupled random-walk step (default 0.1). */
  readonly mixture?: number;
  /** Its proposal sd in unconstrained space (default 0.05). */
  readonly rwmScale?: number;
  /** A pair that has not met by then stops, and its estimate is biased (default 10,000). */
  readonly maxIterations?: number;
}

export interface CoupledKernel {
  readonly kind: 'coupled';
  readonly kernel: Kernel;
  readonly lag: number;
  readonly t0: number;
  readonly window: number;
  readonly mixture: number;
  readonly rwmScale: number;
  readonly maxIterations: number;
}

/**
 * Couple an HMC kernel (its stepSize and steps fixed: adaptation would break the Markov property).
 *
 * @example
 * const est = unbiasedMcmc(model, coupled(hmc({ stepSize: 0.2, steps: 10 }), { lag: 5, t0: 20, window: 50 }), { pairs: 64, seed: 0 }).run(data);
 * console.log(est.sites[0].mean, est.sites[0].se, est.meeting.mean);
 */
export function coupled(kernel: Kernel, options: CoupledOptions = {}): CoupledKernel {
  if (!kernel || kernel.name !== 'hmc') fail('invalid-argument', 'coupled(kernel, options): kernel must be hmc({ stepSize, steps }) (NUTS is not coupled here)', 'kernel');
  if (kernel.stepSize === undefined) fail('invalid-argument', 'coupled: the hmc kernel needs a fixed stepSize (no adaptation runs in coupled chains), e.g. hmc({ stepSize: 0.2, steps: 10 })', 'stepSize');
  const known = ['lag', 't0', 'window', 'mixture', 'rwmScale', 'maxIterations'];
  for (const key of Object.keys(options)) if (!known.includes(key)) fail('invalid-argument', `coupled: unknown option '${key}' (options: ${known.join(', ')})`, key);
  const integer = (key: 'lag' | 't0' | 'window' | 'maxIterations', min: number, fallback: number): number => {
    const v = options[key];
    if (v === undefined) return fallback;
    if (!(Number.isInteger(v) && v >= min)) fail('invalid-argument', `coupled: ${key} must be an integer >= ${min}, got ${String(v)}`, key);
    return v;
  };
  const mixture = options.mixture ?? 0.1;
  if (!(mixture > 0 && mixture <= 1)) fail('invalid-argument', `coupled: mixture must lie in (0, 1] (the chains can meet only in the random-walk steps), got ${mixture}`, 'mixture');
  const rwmScale = options.rwmScale ?? 0.05;
  if (!(rwmScale > 0 && Number.isFinite(rwmScale))) fail('invalid-argument', `coupled: rwmScale must be a positive number, got ${rwmScale}`, 'rwmScale');
  return { kind: 'coupled', kernel, lag: integer('lag', 1, 1), t0: integer('t0', 0, 10), window: integer('window', 1, 10), mixture, rwmScale, maxIterations: integer('maxIterations', 1, 10000) };
}

/** A pair's computation: yields two positions (X's, Y's), receives their points. */
type PairNeeds<T> = Generator<readonly [Float64Array, Float64Array], T, readonly [Point, Point]>;

const identity = (d: number): Float64Array => new Float64Array(d).fill(1);

/** X alone (Y's slot repeats X's position, evaluated in the same model run and ignored). */
function* alone<T>(inner: Generator<Float64Array, T, Point>): PairNeeds<T> {
  let step = inner.next(undefined as unknown as Point);
  while (!step.done) {
    const [point] = yield [step.value, step.value];
    step = inner.next(point);
  }
  return step.value;
}

/** HMC with identity mass, common to the marginal and the coupled step (so their laws agree exactly). */
function* hmcStep(z: { point: Point; p: Float64Array }, c: CoupledKernel): Generator<Float64Array, { point: Point; p: Float64Array }, Point> {
  let current = z;
  for (let s = 0; s < c.kernel.steps; s++) current = yield* leapfrog(current, c.kernel.stepSize!, identity(z.p.length));
  return current;
}

/** One step of the marginal kernel: random-walk Metropolis with probability `mixture`, else HMC. */
function* marginalStep(point: Point, c: CoupledKernel, rng: Stream): Generator<Float64Array, Point, Point> {
  const d = point.q.length;
  if (rng.uniform() < c.mixture) {
    const proposal = point.q.map((q) => q + c.rwmScale * rng.normal());
    const next = yield proposal;
    return Math.log(rng.uniform()) < next.logDensity - point.logDensity ? next : point;
  }
  const z0 = { point, p: drawMomentum(() => rng.normal(), identity(d)) };
  const z = yield* hmcStep(z0, c);
  return Math.log(rng.uniform()) < hamiltonian(z0, identity(d)) - hamiltonian(z, identity(d)) ? z.point : point;
}

const logNormalKernel = (x: Float64Array, mean: Float64Array, sd: number): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += ((x[i]! - mean[i]!) / sd) ** 2;
  return -0.5 * s;
};

/** The coupled step: the same choice of move, the same random numbers for both chains. */
function* coupledStep(x: Point, y: Point, c: CoupledKernel, rng: Stream): PairNeeds<readonly [Point, Point]> {
  const d = x.q.length;
  const same = x.q.every((v, i) => v === y.q[i]);
  if (rng.uniform() < c.mixture) {
    // Maximal coupling of N(x, s^2) and N(y, s^2) (Thorisson's algorithm): equal proposals with the largest possible probability.
    const px = x.q.map((q) => q + c.rwmScale * rng.normal());
    let py: Float64Array;
    if (same || Math.log(rng.uniform()) + logNormalKernel(px, x.q, c.rwmScale) <= logNormalKernel(px, y.q, c.rwmScale)) py = px;
    else {
      for (;;) {
        py = y.q.map((q) => q + c.rwmScale * rng.normal());
        if (Math.log(rng.uniform()) + logNormalKernel(py, y.q, c.rwmScale) > logNormalKernel(py, x.q, c.rwmScale)) break;
      }
    }
    const [nx, ny] = yield [px, py];
    const logU = Math.log(rng.uniform());
    return [logU < nx.logDensity - x.logDensity ? nx : x, logU < ny.logDensity - y.logDensity ? ny : y];
  }
  const inverseMass = identity(d);
  const p = drawMomentum(() => rng.normal(), inverseMass);
  let zx = { point: x, p };
  let zy = { point: y, p: Float64Array.from(p) };
  const h0x = hamiltonian(zx, inverseMass);
  const h0y = hamiltonian(zy, inverseMass);
  for (let s = 0; s < c.kernel.steps; s++) {
    const lx = leapfrog(zx, c.kernel.stepSize!, inverseMass);
    const ly = leapfrog(zy, c.kernel.stepSize!, inverseMass);
    const [qx, qy] = [lx.next(undefined as unknown as Point).value as Float64Array, ly.next(undefined as unknown as Point).value as Float64Array];
    const [nx, ny] = yield [qx, qy];
    zx = lx.next(nx).value as typeof zx;
    zy = ly.next(ny).value as typeof zy;
  }
  const logU = Math.log(rng.uniform());
  return [logU < h0x - hamiltonian(zx, inverseMass) ? zx.point : x, logU < h0y - hamiltonian(zy, inverseMass) ? zy.point : y];
}

interface PairResult {
  readonly estimate: Float64Array;
  /** The plain average of h(X_t0 .. X_m): what MCMC from the initial law gives, biased by the burn-in. */
  readonly average: Float64Array;
  readonly meetingTime: number;
  readonly capped: boolean;
  readonly iterations: number;
}

function* runPair(c: CoupledKernel, d: number, radius: number, rng: Stream): PairNeeds<PairResult> {
  const start = (): Float64Array => Float64Array.from({ length: d }, () => radius * (2 * rng.uniform() - 1));
  let [x, y] = yield [start(), start()];
  for (let tries = 0; !(Number.isFinite(x.logDensity) && Number.isFinite(y.logDensity)); tries++) {
    if (tries >= 100) fail('non-finite', 'coupled: no finite log density at 100 random initial values; check the model and data', 'init');
    [x, y] = yield [Number.isFinite(x.logDensity) ? x.q : start(), Number.isFinite(y.logDensity) ? y.q : start()];
  }
  const { t0, last, lag, inWindow, correctionWeight } = averagingWindow(c.t0, c.window, c.lag);
  const v = x.values.length;
  const sum = new Float64Array(v);
  const plain = new Float64Array(v);
  const add = (values: Float32Array, weight: number, minus?: Float32Array): void => {
    for (let i = 0; i < v; i++) sum[i]! += weight * (values[i]! - (minus ? minus[i]! : 0));
    if (!minus) for (let i = 0; i < v; i++) plain[i]! += values[i]!;
  };
  if (inWindow(0)) add(x.values, 1);
  // X runs L steps ahead: X_1 .. X_L.
  for (let t = 1; t <= lag; t++) {
    x = yield* alone(marginalStep(x, c, rng));
    if (inWindow(t)) add(x.values, 1);
  }
  let t = lag;
  let meetingTime = x.q.every((q, i) => q === y.q[i]) ? lag : Infinity;
  // The first correction, h(X_L) - h(Y_0), when the window starts at 0.
  if (meetingTime === Infinity && lag >= t0 + lag) add(x.values, correctionWeight(lag), y.values);
  while (t < c.maxIterations && (meetingTime === Infinity || t < last)) {
    t++;
    if (meetingTime === Infinity) {
      [x, y] = yield* coupledStep(x, y, c, rng);
      if (x.q.every((q, i) => q === y.q[i])) meetingTime = t;
    } else x = yield* alone(marginalStep(x, c, rng));
    if (inWindow(t)) add(x.values, 1);
    // Corrections h(X_t) - h(Y_{t-L}) for t0 + L <= t < tau.
    if (meetingTime === Infinity && t >= t0 + lag) add(x.values, correctionWeight(t), y.values);
  }
  const estimate = sum.map((s) => s / (last - t0 + 1));
  return { estimate, average: plain.map((s) => s / (last - t0 + 1)), meetingTime: Math.min(meetingTime, t), capped: meetingTime === Infinity, iterations: t };
}

export interface UnbiasedOptions {
  /** Independent coupled pairs; their estimates are averaged (default 32). */
  readonly pairs?: number;
  readonly seed?: number | string;
  /** Initial unconstrained values uniform on (-initRadius, initRadius) for both chains (default 2). */
  readonly initRadius?: number;
}

export interface UnbiasedSite {
  readonly name: string;
  readonly shape: readonly number[];
  /** Per element: the mean of the pairs' unbiased estimates of E[value] and its s.e. (their sd / sqrt(pairs)). */
  readonly mean: readonly number[];
  readonly se: readonly number[];
  /** Every pair's estimate, [pairs, size]. */
  readonly estimates: Float64Array;
  /** The same from the plain averages of X over the window (no corrections): biased by the burn-in. */
  readonly uncorrected: { readonly mean: readonly number[]; readonly se: readonly number[] };
}

export interface UnbiasedResult {
  readonly pairs: number;
  readonly sites: readonly UnbiasedSite[];
  readonly meeting: { readonly mean: number; readonly max: number; readonly times: readonly number[]; readonly capped: number };
  /** Iterations of X per pair (the cost: each is one or `steps` gradient evaluations). */
  readonly iterations: readonly number[];
  readonly warnings: readonly string[];
}

/**
 * Unbiased estimates of posterior means of every latent element from `pairs` independent lag-L coupled
 * chain pairs (see `coupled`).
 */
export function unbiasedMcmc<A extends unknown[]>(model: Program<A>, kernel: CoupledKernel, options: UnbiasedOptions = {}): { run(...args: A): UnbiasedResult } {
  if (!kernel || kernel.kind !== 'coupled') fail('invalid-argument', 'unbiasedMcmc(model, kernel, options): kernel must be coupled(hmc({ stepSize, steps }), { lag })', 'kernel');
  const pairs = options.pairs ?? 32;
  if (!(Number.isInteger(pairs) && pairs >= 2)) fail('invalid-argument', `unbiasedMcmc: pairs must be an integer >= 2 (the s.e. needs two), got ${pairs}`, 'pairs');
  return {
    run: (...args: A): UnbiasedResult => {
      const root = options.seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(options.seed);
      const layout = layoutOf(model, args, root.split(0));
      const density = new LogDensity(model, args, layout, 2 * pairs, true, root.split(1));
      const d = layout.dimension;
      const programs = Array.from({ length: pairs }, (_, i) => runPair(kernel, d, options.initRadius ?? 2, root.split(2 + i)));
      // Pair i takes rows 2i (X) and 2i + 1 (Y) of one model evaluation.
      const results: (PairResult | undefined)[] = new Array<PairResult | undefined>(pairs).fill(undefined);
      let pending = programs.map((p) => p.next(undefined as unknown as readonly [Point, Point]));
      const positions = new Float64Array(2 * pairs * d);
      const idle = new Float64Array(2 * pairs * d);
      pending.forEach((s, i) => {
        if (s.done) results[i] = s.value;
      });
      while (pending.some((s) => !s.done)) {
        pending.forEach((s, i) => {
          const [qx, qy] = s.done ? [idle.subarray(2 * i * d, (2 * i + 1) * d), idle.subarray((2 * i + 1) * d, (2 * i + 2) * d)] : s.value;
          positions.set(qx, 2 * i * d);
          positions.set(qy, (2 * i + 1) * d);
        });
        idle.set(positions);
        const e = density.evaluate(positions);
        const vsize = layout.valueSize;
        const pointAt = (row: number): Point => ({
          q: positions.slice(row * d, (row + 1) * d),
          logDensity: e.logDensity[row]!,
          gradient: e.gradient.slice(row * d, (row + 1) * d),
          values: e.values.slice(row * vsize, (row + 1) * vsize),
        });
        pending = pending.map((s, i) => {
          if (s.done) return s;
          const next = programs[i]!.next([pointAt(2 * i), pointAt(2 * i + 1)]);
          if (next.done) results[i] = next.value;
          return next;
        });
      }
      const done = results as PairResult[];
      const sites = layout.sites.map((s): UnbiasedSite => {
        const gather = (of: (r: PairResult) => Float64Array): Float64Array => {
          const out = new Float64Array(pairs * s.valueSize);
          done.forEach((r, i) => out.set(of(r).subarray(s.valueOffset, s.valueOffset + s.valueSize), i * s.valueSize));
          return out;
        };
        const estimates = gather((r) => r.estimate);
        return { name: s.name, shape: s.shape, ...meanAndSe(estimates, pairs, s.valueSize), estimates, uncorrected: meanAndSe(gather((r) => r.average), pairs, s.valueSize) };
      });
      const times = done.map((r) => r.meetingTime);
      const capped = done.filter((r) => r.capped).length;
      const warnings = capped > 0 ? [`${capped} of ${pairs} pairs did not meet within maxIterations ${kernel.maxIterations}: their estimates are biased; raise maxIterations or the mixture / rwmScale`] : [];
      return {
        pairs,
        sites,
        meeting: { mean: times.reduce((a, b) => a + b, 0) / pairs, max: Math.max(...times), times, capped },
        iterations: done.map((r) => r.iterations),
        warnings,
      };
    },
  };
}

/** Per element: the mean over pairs and its s.e. (sd over pairs / sqrt(pairs)). */
function meanAndSe(x: Float64Array, pairs: number, size: number): { mean: number[]; se: number[] } {
  const mean: number[] = [];
  const se: number[] = [];
  for (let e = 0; e < size; e++) {
    let m = 0;
    for (let i = 0; i < pairs; i++) m += x[i * size + e]!;
    m /= pairs;
    let ss = 0;
    for (let i = 0; i < pairs; i++) ss += (x[i * size + e]! - m) ** 2;
    mean.push(m);
    se.push(Math.sqrt(ss / (pairs - 1) / pairs));
  }
  return { mean, se };
}
