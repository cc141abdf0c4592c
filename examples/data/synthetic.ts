/**
 * The generative stories behind the gallery's small synthetic data sets, as plain arrays drawn from a
 * seeded stream. Shared by examples/registry.ts (training, then test rows from one stream) and the
 * playground page (the training rows), so both show the same numbers; browser-safe.
 */
import type { Stream } from '../../src/index.js';

/** `count` rows of `dim` normals, row-major: mean(row, j) + sd * N(0, 1). */
export function gaussianRows(count: number, dim: number, stream: Stream, mean: (row: number, j: number) => number, sd: number): Float32Array {
  return Float32Array.from({ length: count * dim }, (_, i) => mean(Math.floor(i / dim), i % dim) + sd * stream.normal());
}

/** Linear Gaussian (Shi & Cornish 7.1) with theta = 1: x = theta + z-noise + x-noise ~ N(1, 2 I) in R^20. */
export const LINEAR_GAUSSIAN_DIM = 20;
export function linearGaussianRows(count: number, stream: Stream): Float32Array {
  return gaussianRows(count, LINEAR_GAUSSIAN_DIM, stream, () => 1, Math.SQRT2);
}

/** Three 2-D clusters at (-3, 0), (0, 3), (3, 0) with sd 0.5: labels first, then the points. */
export function mixtureRows(count: number, stream: Stream): Float32Array {
  const centres = [[-3, 0], [0, 3], [3, 0]] as const;
  const labels = Array.from({ length: count }, () => stream.int(3));
  return gaussianRows(count, 2, stream, (row, j) => centres[labels[row]!]![j]!, 0.5);
}

/** y = 1 + X w + N(0, 0.3^2), X ~ N(0, I_3), w = (1.5, -2, 0.5). */
export const REGRESSION_NOISE = 0.3;
export function regressionRows(count: number, stream: Stream): { X: Float32Array; y: Float32Array } {
  const w = [1.5, -2, 0.5];
  const X = gaussianRows(count, 3, stream, () => 0, 1);
  const y = Float32Array.from({ length: count }, (_, i) => 1 + w.reduce((s, wj, j) => s + wj * X[i * 3 + j]!, 0) + REGRESSION_NOISE * stream.normal());
  return { X, y };
}
