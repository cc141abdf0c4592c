import type { Stream } from '../../runtime/rng.js';
import { drawMomentum, hamiltonian, leapfrog, type Needs, type Point } from './integrator.js';

/**
 * Warm-up adaptation as Stan does it: dual averaging of log step size towards a target acceptance
 * statistic (Hoffman & Gelman 2014, section 3.2), and a diagonal inverse mass matrix estimated from
 * the draws of doubling slow windows between a fast initial and terminal buffer (Stan reference
 * manual, "HMC algorithm parameters", "Automatic parameter tuning").
 */

/** Nesterov dual averaging of log step size with Stan's constants (gamma 0.05, t0 10, kappa 0.75). */
export class DualAveraging {
  #counter = 0;
  #sBar = 0;
  #xBar = 0;
  #mu = 0;

  constructor(
    readonly target: number,
    private readonly gamma = 0.05,
    private readonly t0 = 10,
    private readonly kappa = 0.75,
  ) {}

  /** Start again shrinking towards 10 eps (larger steps are cheaper, so the prior leans up). */
  restart(eps: number): void {
    this.#counter = 0;
    this.#sBar = 0;
    this.#xBar = 0;
    this.#mu = Math.log(10 * eps);
  }

  /** The next step size after a transition with acceptance statistic `accept`. */
  learn(accept: number): number {
    this.#counter++;
    const a = Math.min(1, Number.isFinite(accept) ? accept : 0);
    const eta = 1 / (this.#counter + this.t0);
    this.#sBar = (1 - eta) * this.#sBar + eta * (this.target - a);
    const x = this.#mu - (this.#sBar * Math.sqrt(this.#counter)) / this.gamma;
    const w = this.#counter ** -this.kappa;
    this.#xBar = (1 - w) * this.#xBar + w * x;
    return Math.exp(x);
  }

  /** The averaged step size used after warm-up. */
  get final(): number {
    return Math.exp(this.#xBar);
  }
}

/** Running mean and variance per coordinate (Welford). */
export class WelfordVariance {
  #n = 0;
  readonly #mean: Float64Array;
  readonly #m2: Float64Array;

  constructor(readonly dimension: number) {
    this.#mean = new Float64Array(dimension);
    this.#m2 = new Float64Array(dimension);
  }

  add(x: Float64Array): void {
    this.#n++;
    for (let i = 0; i < this.dimension; i++) {
      const delta = x[i]! - this.#mean[i]!;
      this.#mean[i]! += delta / this.#n;
      this.#m2[i]! += delta * (x[i]! - this.#mean[i]!);
    }
  }

  get count(): number {
    return this.#n;
  }

  /** The sample variance shrunk towards 1e-3 as Stan does: (n / (n + 5)) var + 1e-3 (5 / (n + 5)). */
  regularized(): Float64Array {
    const n = this.#n;
    const out = new Float64Array(this.dimension);
    for (let i = 0; i < this.dimension; i++) {
      const v = n > 1 ? this.#m2[i]! / (n - 1) : 1;
      out[i] = (n / (n + 5)) * v + 1e-3 * (5 / (n + 5));
    }
    return out;
  }

  reset(): void {
    this.#n = 0;
    this.#mean.fill(0);
    this.#m2.fill(0);
  }
}

/** A slow window of warm-up iterations [start, end) whose draws estimate the mass matrix. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/**
 * Stan's windows: an initial buffer (75), then slow windows starting at 25 iterations and doubling, the
 * last stretched to the terminal buffer (50). A warm-up shorter than 150 scales them to 15% / 75% /
 * 10%; one shorter than 20 adapts the step size only.
 */
export function warmupWindows(warmup: number): readonly Window[] {
  if (warmup < 20) return [];
  let init = 75;
  let term = 50;
  let base = 25;
  if (init + base + term > warmup) {
    init = Math.floor(0.15 * warmup);
    term = Math.floor(0.1 * warmup);
    base = warmup - init - term;
  }
  const last = warmup - term;
  const windows: Window[] = [];
  let start = init;
  let size = base;
  while (start < last) {
    let end = start + size;
    if (end + 2 * size > last) end = last;
    windows.push({ start, end });
    start = end;
    size *= 2;
  }
  return windows;
}

/**
 * Stan's initial step size heuristic: from `eps`, double (or halve) it until one leapfrog step's
 * acceptance probability exp(H0 - H) crosses 0.8.
 */
export function* reasonableStepSize(point: Point, eps: number, inverseMass: Float64Array, rng: Stream): Needs<number> {
  const logTarget = Math.log(0.8);
  let direction = 0;
  for (let i = 0; i < 100; i++) {
    const z0 = { point, p: drawMomentum(() => rng.normal(), inverseMass) };
    const h0 = hamiltonian(z0, inverseMass);
    const z1 = yield* leapfrog(z0, eps, inverseMass);
    const deltaH = h0 - hamiltonian(z1, inverseMass);
    if (direction === 0) direction = deltaH > logTarget ? 1 : -1;
    else if ((direction === 1 && !(deltaH > logTarget)) || (direction === -1 && !(deltaH < logTarget))) return eps;
    const next = direction === 1 ? 2 * eps : 0.5 * eps;
    if (next > 1e7 || next < 1e-12) return eps;
    eps = next;
  }
  return eps;
}
