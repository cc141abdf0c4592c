import type { Stream } from '../../runtime/rng.js';
import { drawMomentum, hamiltonian, leapfrog, type Needs, type PhasePoint, type Point } from './integrator.js';
import { DIVERGENCE_THRESHOLD } from './nuts.js';

/** What one transition of a kernel reports. */
export interface Transition {
  readonly point: Point;
  /** The acceptance statistic dual averaging adapts to (HMC: the Metropolis probability; NUTS: its mean over the tree). */
  readonly acceptStat: number;
  /** Leapfrog steps (gradient evaluations) it took. */
  readonly steps: number;
  readonly divergent: boolean;
  /** NUTS: doublings of the trajectory; HMC: 0. */
  readonly treeDepth: number;
  /** The Hamiltonian at the returned point (for the energy diagnostic). */
  readonly energy: number;
}

export interface HmcSettings {
  /** Leapfrog steps per transition. */
  readonly steps: number;
}

/**
 * One transition of Hamiltonian Monte Carlo (Duane et al. 1987; Neal 2011): a fresh momentum, `steps`
 * leapfrog steps, and a Metropolis accept/reject of the end point on exp(H0 - H). A trajectory whose
 * energy error exceeds the divergence threshold stops early and is rejected.
 */
export function* hmcTransition(point: Point, eps: number, inverseMass: Float64Array, settings: HmcSettings, rng: Stream): Needs<Transition> {
  const z0: PhasePoint = { point, p: drawMomentum(() => rng.normal(), inverseMass) };
  const h0 = hamiltonian(z0, inverseMass);
  let z = z0;
  let divergent = false;
  let steps = 0;
  for (let i = 0; i < settings.steps; i++) {
    z = yield* leapfrog(z, eps, inverseMass);
    steps++;
    if (!(hamiltonian(z, inverseMass) - h0 <= DIVERGENCE_THRESHOLD)) {
      divergent = true;
      break;
    }
  }
  const h = hamiltonian(z, inverseMass);
  const acceptStat = divergent ? 0 : Math.min(1, Math.exp(h0 - h));
  const accepted = !divergent && rng.uniform() < acceptStat;
  return { point: accepted ? z.point : point, acceptStat, steps, divergent, treeDepth: 0, energy: accepted ? h : h0 };
}
