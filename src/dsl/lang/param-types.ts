import * as tf from '@tensorflow/tfjs';
import { greaterThan, interval, lessThan, lowerCholesky, positive, real, simplex, unitInterval, type Constraint } from '../../runtime/constraints.js';

/**
 * The types a `param` can be declared with, and what they mean for the param store: each is a
 * constraint (the param lives in that set, optimised through a bijection) and a default initial value.
 *
 *   real                  any real numbers (default 0)
 *   real(lower = a)       greater than a (default a + 1); upper = b: less than b; both: between
 *   positive              greater than 0 (default 1)
 *   unit                  in (0, 1) (default 0.5)
 *   simplex[K]            probability vectors over the last dim (default uniform)
 *   cholesky[D, D]        lower Cholesky factors (default the identity)
 */
export const PARAM_TYPES = ['real', 'positive', 'unit', 'simplex', 'cholesky'] as const;
export type ParamTypeName = (typeof PARAM_TYPES)[number];

/** Element types of data. */
export const DATA_TYPES = ['real', 'int', 'bool'] as const;
export type DataTypeName = (typeof DATA_TYPES)[number];

export interface Bounds {
  readonly lower: number | undefined;
  readonly upper: number | undefined;
}

export function constraintOf(type: ParamTypeName, bounds: Bounds): Constraint {
  switch (type) {
    case 'real':
      if (bounds.lower !== undefined && bounds.upper !== undefined) return interval(bounds.lower, bounds.upper);
      if (bounds.lower !== undefined) return bounds.lower === 0 ? positive : greaterThan(bounds.lower);
      if (bounds.upper !== undefined) return lessThan(bounds.upper);
      return real;
    case 'positive':
      return positive;
    case 'unit':
      return unitInterval;
    case 'simplex':
      return simplex;
    case 'cholesky':
      return lowerCholesky;
  }
}

/** A value inside the set, of the declared shape. */
export function defaultInit(type: ParamTypeName, bounds: Bounds, shape: readonly number[]): tf.Tensor {
  const dims = [...shape];
  switch (type) {
    case 'real': {
      const { lower, upper } = bounds;
      const value = lower !== undefined && upper !== undefined ? (lower + upper) / 2 : lower !== undefined ? lower + 1 : upper !== undefined ? upper - 1 : 0;
      return tf.fill(dims, value);
    }
    case 'positive':
      return tf.fill(dims, 1);
    case 'unit':
      return tf.fill(dims, 0.5);
    case 'simplex':
      return tf.fill(dims, 1 / dims[dims.length - 1]!);
    case 'cholesky': {
      const n = dims[dims.length - 1]!;
      return tf.tidy(() => tf.broadcastTo(tf.eye(n), dims));
    }
  }
}

/** Does a constant lie in the set (for checking constant initial values)? */
export function admitsConstant(type: ParamTypeName, bounds: Bounds, value: number): boolean {
  switch (type) {
    case 'real':
      return (bounds.lower === undefined || value > bounds.lower) && (bounds.upper === undefined || value < bounds.upper) && Number.isFinite(value);
    case 'positive':
      return value > 0 && Number.isFinite(value);
    case 'unit':
      return value > 0 && value < 1;
    case 'simplex':
    case 'cholesky':
      return true; // a constant broadcast over a vector or matrix is checked when the param is created
  }
}

export function describeParamType(type: ParamTypeName, bounds: Bounds): string {
  if (type !== 'real') return type;
  if (bounds.lower !== undefined && bounds.upper !== undefined) return `real in (${bounds.lower}, ${bounds.upper})`;
  if (bounds.lower !== undefined) return `real > ${bounds.lower}`;
  if (bounds.upper !== undefined) return `real < ${bounds.upper}`;
  return 'real';
}
