import type { Stream } from '../../runtime/rng.js';
import { drawMomentum, hamiltonian, leapfrog, velocity, type Needs, type PhasePoint, type Point } from './integrator.js';
import type { Transition } from './hmc.js';

/**
 * One transition of the no-U-turn sampler with multinomial sampling of the trajectory's points
 * (Betancourt 2017, appendix A; as in Stan and NumPyro): the trajectory doubles in a random direction
 * until a subtree turns back on itself or diverges; each point is weighted by exp(-H); a new subtree's
 * proposal replaces the current one with probability min(1, w_new / w_old) (biased progressive
 * sampling), and inside a subtree the two halves are combined in proportion to their weights.
 * The U-turn criterion is the generalised one on sum of momenta rho, checked across every merge and
 * on the two extra spans that join a subtree's halves (Stan >= 2.26).
 */

/** H - H0 above this is a divergence: the integrator has left the typical set. */
export const DIVERGENCE_THRESHOLD = 1000;

interface Tree {
  /** The earliest and latest states in time (backward subtrees grow to the left). */
  readonly left: PhasePoint;
  readonly right: PhasePoint;
  readonly proposal: PhasePoint;
  /** log sum of exp(H0 - H) over the tree's points. */
  readonly logWeight: number;
  /** Sum of the tree's momenta. */
  readonly rho: Float64Array;
  /** Sum over the points of min(1, exp(H0 - H)), and how many points (leapfrog steps). */
  readonly acceptSum: number;
  readonly steps: number;
  /** false once it turned or diverged: then it must not be merged. */
  readonly valid: boolean;
  readonly divergent: boolean;
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Does the span from `left` to `right` with momentum sum rho still move apart at both ends? */
function noUTurn(left: PhasePoint, right: PhasePoint, rho: Float64Array, inverseMass: Float64Array): boolean {
  return dot(velocity(right.p, inverseMass), rho) > 0 && dot(velocity(left.p, inverseMass), rho) > 0;
}

/** The no-U-turn checks for joining `a` (earlier) and `b` (later): the whole span and the two joints. */
function joinedWithoutUTurn(a: Tree, b: Tree, rho: Float64Array, inverseMass: Float64Array): boolean {
  return (
    noUTurn(a.left, b.right, rho, inverseMass) &&
    noUTurn(a.left, b.left, add(a.rho, b.left.p), inverseMass) &&
    noUTurn(a.right, b.right, add(b.rho, a.right.p), inverseMass)
  );
}

/** A subtree of 2^depth leapfrog steps from `from` in `direction`. */
function* buildTree(from: PhasePoint, depth: number, direction: 1 | -1, eps: number, h0: number, inverseMass: Float64Array, rng: Stream): Needs<Tree> {
  if (depth === 0) {
    const z = yield* leapfrog(from, direction * eps, inverseMass);
    const h = hamiltonian(z, inverseMass);
    const divergent = !(h - h0 <= DIVERGENCE_THRESHOLD);
    const logWeight = h0 - h;
    return {
      left: z,
      right: z,
      proposal: z,
      logWeight,
      rho: Float64Array.from(z.p),
      acceptSum: logWeight > 0 ? 1 : Math.exp(logWeight),
      steps: 1,
      valid: !divergent,
      divergent,
    };
  }
  const first = yield* buildTree(from, depth - 1, direction, eps, h0, inverseMass, rng);
  if (!first.valid) return first;
  const second = yield* buildTree(direction === 1 ? first.right : first.left, depth - 1, direction, eps, h0, inverseMass, rng);
  const steps = first.steps + second.steps;
  const acceptSum = first.acceptSum + second.acceptSum;
  if (!second.valid) return { ...second, steps, acceptSum };
  const logWeight = logAddExp(first.logWeight, second.logWeight);
  // Inside a subtree, the halves are combined in proportion to their weights.
  const proposal = rng.uniform() < Math.exp(second.logWeight - logWeight) ? second.proposal : first.proposal;
  const [a, b] = direction === 1 ? [first, second] : [second, first];
  const rho = add(a.rho, b.rho);
  const valid = joinedWithoutUTurn(a, b, rho, inverseMass);
  return { left: a.left, right: b.right, proposal, logWeight, rho, acceptSum, steps, valid, divergent: false };
}

export interface NutsSettings {
  readonly maxTreeDepth: number;
}

export function* nutsTransition(point: Point, eps: number, inverseMass: Float64Array, settings: NutsSettings, rng: Stream): Needs<Transition> {
  const z0: PhasePoint = { point, p: drawMomentum(() => rng.normal(), inverseMass) };
  const h0 = hamiltonian(z0, inverseMass);
  let tree: Tree = { left: z0, right: z0, proposal: z0, logWeight: 0, rho: Float64Array.from(z0.p), acceptSum: 0, steps: 0, valid: true, divergent: false };
  let depth = 0;
  let steps = 0;
  let acceptSum = 0;
  let divergent = false;
  while (depth < settings.maxTreeDepth) {
    const direction = rng.uniform() < 0.5 ? -1 : 1;
    const sub = yield* buildTree(direction === 1 ? tree.right : tree.left, depth, direction, eps, h0, inverseMass, rng);
    steps += sub.steps;
    acceptSum += sub.acceptSum;
    depth++;
    if (!sub.valid) {
      divergent = sub.divergent;
      break;
    }
    // Biased progressive sampling: favour the new subtree, which is further from the start.
    const proposal = rng.uniform() < Math.exp(sub.logWeight - tree.logWeight) ? sub.proposal : tree.proposal;
    const [a, b] = direction === 1 ? [tree, sub] : [sub, tree];
    const rho = add(a.rho, b.rho);
    const valid = joinedWithoutUTurn(a, b, rho, inverseMass);
    tree = { left: a.left, right: b.right, proposal, logWeight: logAddExp(tree.logWeight, sub.logWeight), rho, acceptSum: 0, steps: 0, valid, divergent: false };
    if (!valid) break;
  }
  return { point: tree.proposal.point, acceptStat: steps > 0 ? acceptSum / steps : 0, steps, divergent, treeDepth: depth, energy: hamiltonian(tree.proposal, inverseMass) };
}
