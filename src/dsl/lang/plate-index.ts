import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { gather } from '../math/gather.js';
import type { TensorValue } from './values.js';

/** A plate the running program is inside: its subsample indices and the batch dim it owns. */
export interface PlateFrame {
  readonly name: string;
  readonly indices: tf.Tensor;
  readonly size: number;
  readonly subsampleSize: number;
  /** Negative, counted from the right of the batch dims. */
  readonly dim: number;
}

/**
 * Index a value's leading item dims by plates (outermost first): gather each with the plate's
 * subsample indices, then move it from the item into the batch, at the plate's dim. A data matrix
 * x [N, 784] inside `plate data(N, subsample = B)` (dim -1) becomes [B, 784] with item [784]; inside
 * nested plates i (dim -2) and j (dim -1), y [N, M] becomes [Bi, Bj] with no item dims. A value that
 * already has batch dims (particles, outer plates) keeps them; the plate's batch slot must be free.
 */
export function indexByPlates(v: TensorValue, plates: readonly PlateFrame[], what: string): TensorValue {
  if (plates.length === 0) return v;
  const m = plates.length;
  let t = v.tensor;
  const batchRank = t.rank - v.itemRank;
  plates.forEach((p, i) => {
    const axis = batchRank + i;
    if (t.shape[axis] !== p.size) {
      fail('shape-mismatch', `${what}: dim ${i + 1} has size ${t.shape[axis]}, but plate '${p.name}' that indexes it has size ${p.size}`, what);
    }
    if (p.subsampleSize !== p.size) t = gather(t, p.indices, axis);
  });
  const rank = Math.max(batchRank, ...plates.map((p) => -p.dim));
  if (rank > batchRank) t = tf.reshape(t, [...new Array<number>(rank - batchRank).fill(1), ...t.shape]);
  // Now t is [batch (rank dims)] ++ [one axis per plate] ++ [rest of the item].
  const slotOf = new Map(plates.map((p, i) => [rank + p.dim, i] as const));
  const perm: number[] = [];
  const freed: number[] = [];
  for (let slot = 0; slot < rank; slot++) {
    const plate = slotOf.get(slot);
    if (plate === undefined) {
      perm.push(slot);
      continue;
    }
    if (t.shape[slot] !== 1) {
      fail('shape-mismatch', `${what} already varies along plate '${plates[plate]!.name}'s dim; it cannot be indexed by that plate again`, what);
    }
    perm.push(rank + plate);
    freed.push(slot);
  }
  for (let axis = rank + m; axis < t.rank; axis++) perm.push(axis);
  const shape = perm.map((a) => t.shape[a]!);
  // The freed slots have size 1: when the other axes keep their order, a reshape moves nothing.
  const nonUnit = perm.filter((a) => t.shape[a] !== 1);
  const inOrder = nonUnit.every((a, i) => i === 0 || nonUnit[i - 1]! < a);
  const moved = inOrder ? t : tf.transpose(t, [...perm.slice(0, rank), ...freed, ...perm.slice(rank)]);
  return { tensor: tf.reshape(moved, shape), itemRank: v.itemRank - m };
}
