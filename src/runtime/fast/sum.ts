import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { memoryOf } from './memory.js';

/** x's shape as [outer, reduce, inner] around one contiguous block of axes, or undefined if they are not one block. */
export function reductionBlock(shape: readonly number[], axes: readonly number[]): { outer: number; reduce: number; inner: number } | undefined {
  if (axes.length === 0) return undefined;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[0]! + i) return undefined;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const product = (from: number, to: number): number => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return { outer: product(0, first), reduce: product(first, last + 1), inner: product(last + 1, shape.length) };
}

/**
 * Sum of float32 tensors over one contiguous block of axes (bias gradients, per-datapoint log-density
 * sums); other axis sets and dtypes go to the stock kernel.
 */
export function sumKernel(addon: NativeAddon, stock: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { x } = params.inputs;
    const memory = memoryOf(params.backend);
    const axis = params.attrs?.['axis'];
    if (!x || !memory || x.dtype !== 'float32' || x.shape.some((d) => d === 0)) return stock(params);
    if (axis !== null && axis !== undefined && typeof axis !== 'number' && !(Array.isArray(axis) && axis.every((a) => typeof a === 'number'))) return stock(params);
    // No axis means every axis (tfjs passes null for tf.sum(x)).
    const axes = axis === null || axis === undefined ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(axis as number | number[], x.shape);
    const sorted = [...new Set(axes)].sort((a, b) => a - b);
    const block = reductionBlock(x.shape, sorted);
    if (!block) return stock(params);
    const keepDims = params.attrs?.['keepDims'] === true;
    const outShape = keepDims ? x.shape.map((d, i) => (sorted.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !sorted.includes(i));
    const out = memory.output(outShape, 'float32', [x], (result, [values]) => {
      addon.sum(values as Float32Array, result as Float32Array, block.outer, block.reduce, block.inner);
    });
    return out ?? stock(params);
  };
}
