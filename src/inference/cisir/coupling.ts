import type { Stream } from '../../runtime/rng.js';

/** Draw an index from unnormalised non-negative weights with one uniform. */
function drawIndex(weights: ArrayLike<number>, total: number, u: number): number {
  let target = u * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i]!;
    if (target < 0) return i;
  }
  // Rounding left a sliver: take the last index with positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return weights.length - 1;
}

/**
 * The maximal coupling of two categorical laws p and q (normalised): with probability 1 - TV(p, q)
 * both indices are one draw from min(p, q) (normalised); otherwise each is drawn from its residual
 * (p - min) / TV and (q - min) / TV. Each index alone has exactly its own law, and they are equal with
 * the largest possible probability, 1 - TV.
 */
export function maximalCoupling(p: ArrayLike<number>, q: ArrayLike<number>, stream: Stream): [number, number] {
  const n = p.length;
  const overlap = new Float64Array(n);
  let common = 0;
  for (let i = 0; i < n; i++) {
    overlap[i] = Math.min(p[i]!, q[i]!);
    common += overlap[i]!;
  }
  if (stream.uniform() < common) {
    const i = drawIndex(overlap, common, stream.uniform());
    return [i, i];
  }
  const rp = new Float64Array(n);
  const rq = new Float64Array(n);
  let tp = 0;
  let tq = 0;
  for (let i = 0; i < n; i++) {
    rp[i] = Math.max(0, p[i]! - overlap[i]!);
    rq[i] = Math.max(0, q[i]! - overlap[i]!);
    tp += rp[i]!;
    tq += rq[i]!;
  }
  return [drawIndex(rp, tp, stream.uniform()), drawIndex(rq, tq, stream.uniform())];
}

/**
 * The joint law of `maximalCoupling` as a matrix P[i][j] (for tests and diagnostics): min(p, q) on the
 * diagonal plus the product of the residuals.
 */
export function maximalCouplingJoint(p: ArrayLike<number>, q: ArrayLike<number>): number[][] {
  const n = p.length;
  const overlap = Array.from({ length: n }, (_, i) => Math.min(p[i]!, q[i]!));
  const tv = 1 - overlap.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? overlap[i]! : 0) + (tv > 0 ? ((p[i]! - overlap[i]!) * (q[j]! - overlap[j]!)) / tv : 0)),
  );
}

/** An index from a categorical law p (normalised). */
export function categoricalIndex(p: ArrayLike<number>, stream: Stream): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i]!;
  return drawIndex(p, total, stream.uniform());
}
