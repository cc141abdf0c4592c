import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { broadcastShapes } from '../../runtime/shapes.js';

/**
 * Values of a running `.ppl` program. A tensor's shape is `batch ++ item`: the item dims are the ones
 * the program text talks about (`h[:20]` slices them, `[20]` adds one); the batch dims on the left
 * come from particles and plates, which the text never mentions. Keeping `itemRank` with the tensor
 * lets every operation act on the item dims whatever the batch dims are, so one program runs
 * unvectorised, with K particles, and inside any plates.
 *
 * Plain numbers (literals, sizes, constant arithmetic) stay JavaScript numbers, so constants are
 * computed in double precision exactly as a TypeScript program would.
 */
export interface TensorValue {
  readonly tensor: tf.Tensor;
  readonly itemRank: number;
}

export type RValue = number | TensorValue;

export function asTensorValue(v: RValue): TensorValue {
  return typeof v === 'number' ? { tensor: tf.scalar(v), itemRank: 0 } : v;
}

export function itemRankOf(v: RValue): number {
  return typeof v === 'number' ? 0 : v.itemRank;
}

export function itemShape(v: TensorValue): number[] {
  return v.tensor.shape.slice(v.tensor.rank - v.itemRank);
}

export function batchShape(v: TensorValue): number[] {
  return v.tensor.shape.slice(0, v.tensor.rank - v.itemRank);
}

/** Insert unit dims between batch and item so the value has `itemRank` item dims (right-aligned items). */
export function withItemRank(v: TensorValue, itemRank: number): tf.Tensor {
  if (v.itemRank >= itemRank) return v.tensor;
  const shape = [...batchShape(v), ...new Array<number>(itemRank - v.itemRank).fill(1), ...itemShape(v)];
  return tf.reshape(v.tensor, shape);
}

/** The two values with equal item rank, so tfjs broadcasting aligns batch with batch and item with item. */
export function aligned(a: TensorValue, b: TensorValue): [tf.Tensor, tf.Tensor, number] {
  const rank = Math.max(a.itemRank, b.itemRank);
  return [withItemRank(a, rank), withItemRank(b, rank), rank];
}

/** Apply an elementwise binary op to numbers (in double precision) or tensors (item-aligned). */
export function elementwise(
  a: RValue,
  b: RValue,
  onNumbers: (x: number, y: number) => number,
  onTensors: (x: tf.Tensor | number, y: tf.Tensor | number) => tf.Tensor,
): RValue {
  if (typeof a === 'number') return typeof b === 'number' ? onNumbers(a, b) : { tensor: onTensors(a, b.tensor), itemRank: b.itemRank };
  if (typeof b === 'number') return { tensor: onTensors(a.tensor, b), itemRank: a.itemRank };
  const [x, y, rank] = aligned(a, b);
  return { tensor: onTensors(x, y), itemRank: rank };
}

/** The broadcast of several concrete shapes (right-aligned), or an error naming them. */
export function broadcastOrFail(shapes: readonly (readonly number[])[]): number[] {
  return broadcastShapes(...shapes) ?? fail('shape-mismatch', `shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} do not broadcast`);
}

/** Axis of item dim `i` (0-based from the item's first dim; negative counts from the end) in the tensor. */
export function itemAxis(v: TensorValue, i: number): number {
  const j = i < 0 ? v.itemRank + i : i;
  return v.tensor.rank - v.itemRank + j;
}
