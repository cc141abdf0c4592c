import * as tf from '@tensorflow/tfjs';
import { fail } from '../../../runtime/errors.js';
import type { Distribution } from '../../distributions/distribution.js';
import type { DistSpec } from '../distributions.js';
import { itemRankOf, itemShape, type RValue } from '../values.js';
import type { Run } from './run.js';

/** A distribution call lowered to a builder: arguments laid out on item dims, iid dims expanded. */
export type DrawBuilder = (run: Run, observedItem: readonly number[] | undefined) => { dist: Distribution; itemRank: number };

/**
 * Build a draw's distribution. Item shape = iid ++ outer ++ event, where outer is the broadcast of
 * the arguments' item dims beyond what one draw consumes (a categorical's categories, a matrix
 * scale). Arguments are laid out as batch ++ 1s ++ item so the library broadcasts batch with batch;
 * the iid dims (and, for observations, any leading data dims the distribution lacks) are expanded,
 * and every item dim becomes an event dim.
 */
export function buildDraw(
  spec: DistSpec,
  values: ReadonlyMap<string, RValue>,
  iid: readonly number[],
  observedItem: readonly number[] | undefined,
  where: string,
): { dist: Distribution; itemRank: number } {
  const itemRanks = new Map<string, number>();
  const itemShapes = new Map<string, number[]>();
  const outerRanks = new Map<string, number>();
  for (const a of spec.args) {
    const v = values.get(a.name);
    if (v === undefined) continue;
    const r = itemRankOf(v);
    itemRanks.set(a.name, r);
    itemShapes.set(a.name, typeof v === 'number' ? [] : itemShape(v));
    outerRanks.set(a.name, a.nativeRank === 'all' ? 0 : Math.max(0, r - a.nativeRank));
  }
  const outer = Math.max(0, ...outerRanks.values());
  const eventRank = spec.eventShape(itemShapes).length;
  const implicit = observedItem ? Math.max(0, observedItem.length - (iid.length + outer + eventRank)) : 0;
  const extra = iid.length + implicit;
  const tail = extra + outer;
  const laid = new Map<string, number | tf.Tensor>();
  for (const [name, v] of values) {
    if (typeof v === 'number') {
      laid.set(name, v);
      continue;
    }
    const pad = tail - outerRanks.get(name)!;
    const batch = v.tensor.shape.slice(0, v.tensor.rank - v.itemRank);
    laid.set(name, pad > 0 ? tf.reshape(v.tensor, [...batch, ...new Array<number>(pad).fill(1), ...itemShape(v)]) : v.tensor);
  }
  let dist: Distribution = spec.build(laid, itemRanks);
  const batch = dist.batchShape;
  const padded = [...new Array<number>(Math.max(0, tail - batch.length)).fill(1), ...batch];
  const lead = padded.slice(0, padded.length - tail);
  let target: number[];
  if (observedItem) {
    if (observedItem.length < tail + eventRank) {
      fail('shape-mismatch', `${where}: draws of shape [${[...padded.slice(padded.length - tail), ...dist.eventShape].join(', ')}] do not fit data with item shape [${observedItem.join(', ')}]`);
    }
    target = [...lead, ...observedItem.slice(0, observedItem.length - eventRank)];
  } else {
    target = [...lead, ...iid, ...padded.slice(padded.length - outer)];
  }
  if (!tf.util.arraysEqual(target, [...batch])) dist = dist.expand(target);
  if (tail > 0) dist = dist.toEvent(tail);
  return { dist, itemRank: tail + eventRank };
}
