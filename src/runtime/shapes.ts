import * as tf from '@tensorflow/tfjs';

/** Broadcast two shapes from the right; undefined when they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 1; i <= rank; i++) {
    const x = a[a.length - i] ?? 1;
    const y = b[b.length - i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out[rank - i] = x === 1 ? y : x;
  }
  return out;
}

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Left-pad `shape` with 1s to `rank`. */
export function padLeft(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(Math.max(0, rank - shape.length)).fill(1), ...shape];
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return tf.util.arraysEqual([...a], [...b]);
}
