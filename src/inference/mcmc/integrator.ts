/**
 * Hamiltonian dynamics on the host. A chain's algorithms are generators: they yield a position whose
 * log density and gradient they need and receive it as a `Point`, so a driver can evaluate the model
 * once for every chain that is waiting (src/inference/mcmc/driver.ts) while each chain follows its
 * own trajectory. Kinetic energy is p' M^{-1} p / 2 with a diagonal inverse mass matrix M^{-1}
 * (`inverseMass`, the posterior variances once adapted).
 */

/** A position with its log density (of the unconstrained latents), gradient and constrained values. */
export interface Point {
  readonly q: Float64Array;
  readonly logDensity: number;
  readonly gradient: Float64Array;
  readonly values: Float32Array;
}

/** A chain's computation: yields positions to evaluate, receives their points, returns T. */
export type Needs<T> = Generator<Float64Array, T, Point>;

/** A point in phase space. */
export interface PhasePoint {
  readonly point: Point;
  readonly p: Float64Array;
}

export function kineticEnergy(p: Float64Array, inverseMass: Float64Array): number {
  let k = 0;
  for (let i = 0; i < p.length; i++) k += inverseMass[i]! * p[i]! * p[i]!;
  return k / 2;
}

/** H = -log density + kinetic energy; +Infinity for a point outside the density's finite region. */
export function hamiltonian(z: PhasePoint, inverseMass: Float64Array): number {
  const h = -z.point.logDensity + kineticEnergy(z.p, inverseMass);
  return Number.isNaN(h) ? Infinity : h;
}

/** M^{-1} p: the velocity, which the no-U-turn criterion uses. */
export function velocity(p: Float64Array, inverseMass: Float64Array): Float64Array {
  const v = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) v[i] = inverseMass[i]! * p[i]!;
  return v;
}

/** One leapfrog step of size `eps` (negative: backwards in time): half kick, drift, half kick. */
export function* leapfrog(z: PhasePoint, eps: number, inverseMass: Float64Array): Needs<PhasePoint> {
  const { q, gradient } = z.point;
  const d = q.length;
  const half = new Float64Array(d);
  const next = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    half[i] = z.p[i]! + 0.5 * eps * gradient[i]!;
    next[i] = q[i]! + eps * inverseMass[i]! * half[i]!;
  }
  const point = yield next;
  const p = new Float64Array(d);
  for (let i = 0; i < d; i++) p[i] = half[i]! + 0.5 * eps * point.gradient[i]!;
  return { point, p };
}

/** Momentum p ~ N(0, M) for the diagonal mass M = 1 / inverseMass. */
export function drawMomentum(normal: () => number, inverseMass: Float64Array): Float64Array {
  const p = new Float64Array(inverseMass.length);
  for (let i = 0; i < p.length; i++) p[i] = normal() / Math.sqrt(inverseMass[i]!);
  return p;
}
