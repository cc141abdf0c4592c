import { fail } from '../../runtime/errors.js';
import { broadcastShapes, formatShape, sameShape } from '../../runtime/shapes.js';

/**
 * Shape arithmetic for distributions (numpy broadcasting, from the right). The two-shape primitives
 * are the runtime's (src/runtime/shapes.ts), re-exported so distributions import from one place.
 */

export { broadcastShapes, sameShape };
export const shapeString = formatShape;

/** The common batch shape of named argument shapes; a 'shape-mismatch' error names the culprits. */
export function broadcastArgs(dist: string, args: ReadonlyArray<readonly [string, readonly number[]]>): number[] {
  let shape: number[] = [];
  let seen = '';
  for (const [name, argShape] of args) {
    const next = broadcastShapes(shape, argShape);
    if (!next) {
      fail(
        'shape-mismatch',
        `${dist}: ${name} of shape ${shapeString(argShape)} does not broadcast with ${seen} ` +
          `(combined shape ${shapeString(shape)}); make the shapes agree from the right`,
        `${dist}.${name}`,
      );
    }
    shape = next;
    seen = seen ? `${seen}, ${name}` : name;
  }
  return shape;
}

/** Check that `target` is a valid `expand` of `batchShape`. */
export function checkExpand(dist: string, batchShape: readonly number[], target: readonly number[]): number[] {
  if (!target.every((d) => Number.isInteger(d) && d >= 0)) {
    fail('invalid-argument', `${dist}: expand needs non-negative integer sizes, got ${shapeString(target)}`, dist);
  }
  const joined = broadcastShapes(batchShape, target);
  if (!joined || !sameShape(joined, target)) {
    fail(
      'shape-mismatch',
      `${dist}: cannot expand batch shape ${shapeString(batchShape)} to ${shapeString(target)}; ` +
        `each dim must be equal or 1 in the original, counted from the right`,
      dist,
    );
  }
  return [...target];
}

/**
 * The shape of `logProb(value)`: the value's batch part broadcast with the batch shape. The value's
 * last dims must equal the event shape.
 */
export function logProbShape(
  dist: string,
  valueShape: readonly number[],
  batchShape: readonly number[],
  eventShape: readonly number[],
): number[] {
  const e = eventShape.length;
  const event = valueShape.slice(valueShape.length - e);
  if (valueShape.length < e || !sameShape(event, eventShape)) {
    fail(
      'shape-mismatch',
      `${dist}: a value of shape ${shapeString(valueShape)} does not end in the event shape ${shapeString(eventShape)}`,
      dist,
    );
  }
  const out = broadcastShapes(valueShape.slice(0, valueShape.length - e), batchShape);
  if (!out) {
    fail(
      'shape-mismatch',
      `${dist}: a value of shape ${shapeString(valueShape)} does not broadcast with batch shape ` +
        `${shapeString(batchShape)} ++ event shape ${shapeString(eventShape)}`,
      dist,
    );
  }
  return out;
}

/** The rightmost `n` axes of a rank-`rank` tensor, as positive indices (wasm dislikes negative axes). */
export function lastAxes(rank: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => rank - n + i);
}
