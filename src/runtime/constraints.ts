import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.js';

/**
 * Constraints (the support of a distribution, the domain of a param) and the bijections from
 * unconstrained space that the param store and automatic guides use. Bounds may be numbers or tensors
 * that broadcast against the value.
 */

/** A smooth bijection from R^n (unconstrained) onto a constrained set. */
export interface Transform {
  /** unconstrained -> constrained */
  forward(x: tf.Tensor): tf.Tensor;
  /** constrained -> unconstrained */
  inverse(y: tf.Tensor): tf.Tensor;
  /** log |det dy/dx|, summed over the constraint's event dims: shape = x.shape minus those dims. */
  logAbsDetJacobian(x: tf.Tensor): tf.Tensor;
  /** The unconstrained shape holding a constrained value of `shape` (simplex: one fewer). */
  unconstrainedShape(shape: readonly number[]): number[];
}

export type ConstraintName =
  | 'real'
  | 'positive'
  | 'greaterThan'
  | 'lessThan'
  | 'interval'
  | 'unitInterval'
  | 'simplex'
  | 'lowerCholesky'
  | 'boolean'
  | 'nonnegativeInteger'
  | 'integerInterval'
  /** A set pushed forward through a bijection (bijections.imageOf). */
  | 'image';

export interface Constraint {
  readonly name: ConstraintName;
  /** Values are integers (no bijection; score-function gradients only). */
  readonly discrete: boolean;
  /** How many rightmost dims one constrained element spans (simplex 1, lower Cholesky 2). */
  readonly eventDim: number;
  /** Boolean tensor: does each element (over the event dims) lie in the set? */
  check(value: tf.Tensor): tf.Tensor;
  /** The bijection from unconstrained space; absent for discrete constraints. */
  readonly transform: Transform | undefined;
  /** A short human description for error messages. */
  describe(): string;
}

type Bound = number | tf.Tensor;

const unchangedShape = (shape: readonly number[]): number[] => [...shape];

// log sigmoid(v) = -softplus(-v). (tf.logSigmoid's custom gradient closes over its input instead of
// saving it, so backprop through it fails once tfjs has released the forward intermediates.)
const logSigmoid = (v: tf.Tensor): tf.Tensor => tf.neg(tf.softplus(tf.neg(v)));

const identity: Transform = {
  forward: (x) => x,
  inverse: (y) => y,
  logAbsDetJacobian: (x) => tf.zerosLike(x),
  unconstrainedShape: unchangedShape,
};

function describeBound(b: Bound): string {
  return typeof b === 'number' ? String(b) : `tensor[${b.shape.join(', ')}]`;
}

export const real: Constraint = {
  name: 'real',
  discrete: false,
  eventDim: 0,
  check: (v) => tf.logicalNot(tf.logicalOr(tf.isNaN(v), tf.isInf(v))),
  transform: identity,
  describe: () => 'real numbers',
};

export function greaterThan(low: Bound): Constraint {
  return {
    name: low === 0 ? 'positive' : 'greaterThan',
    discrete: false,
    eventDim: 0,
    check: (v) => tf.greater(v, low),
    transform: {
      // exp(x) + 0 would tape an Add (and clone its inputs) for nothing.
      forward: (x) => (low === 0 ? tf.exp(x) : tf.add(tf.exp(x), low)),
      inverse: (y) => tf.log(tf.sub(y, low)),
      logAbsDetJacobian: (x) => x,
      unconstrainedShape: unchangedShape,
    },
    describe: () => (low === 0 ? 'positive numbers' : `numbers greater than ${describeBound(low)}`),
  };
}

export const positive: Constraint = greaterThan(0);

export function lessThan(high: Bound): Constraint {
  return {
    name: 'lessThan',
    discrete: false,
    eventDim: 0,
    check: (v) => tf.less(v, high),
    transform: {
      forward: (x) => tf.sub(high, tf.exp(x)),
      inverse: (y) => tf.log(tf.sub(high, y)),
      logAbsDetJacobian: (x) => x,
      unconstrainedShape: unchangedShape,
    },
    describe: () => `numbers less than ${describeBound(high)}`,
  };
}

export function interval(low: Bound, high: Bound): Constraint {
  const unit = low === 0 && high === 1;
  return {
    name: unit ? 'unitInterval' : 'interval',
    discrete: false,
    eventDim: 0,
    check: (v) => tf.logicalAnd(tf.greaterEqual(v, low), tf.lessEqual(v, high)),
    transform: {
      forward: (x) => tf.add(low, tf.mul(tf.sub(high, low), tf.sigmoid(x))),
      inverse: (y) => {
        const p = tf.div(tf.sub(y, low), tf.sub(high, low));
        return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
      },
      logAbsDetJacobian: (x) =>
        tf.add(tf.log(tf.sub(high, low)), tf.add(logSigmoid(x), logSigmoid(tf.neg(x)))),
      unconstrainedShape: unchangedShape,
    },
    describe: () => `the interval [${describeBound(low)}, ${describeBound(high)}]`,
  };
}

export const unitInterval: Constraint = interval(0, 1);

/**
 * Stick-breaking: x in R^(n-1) -> the n-simplex, centred so x = 0 maps to the uniform vector.
 * (cumsum gets a non-negative axis: the wasm kernel corrupts memory on axis -1.)
 */
const stickBreaking: Transform = {
  forward: (x) => {
    const n1 = x.shape[x.rank - 1]!;
    const offset = tf.log(tf.range(n1, 0, -1));
    const u = tf.sub(x, offset);
    const logZ = logSigmoid(u);
    const log1mZ = logSigmoid(tf.neg(u));
    const logRemaining = tf.cumsum(log1mZ, x.rank - 1, true); // exclusive: prod_{j<i} (1 - z_j)
    const head = tf.exp(tf.add(logZ, logRemaining));
    const last = tf.exp(tf.sum(log1mZ, -1, true));
    return tf.concat([head, last], -1);
  },
  inverse: (y) => {
    const n = y.shape[y.rank - 1]!;
    const head = tf.slice(y, Array(y.rank).fill(0), [...y.shape.slice(0, -1), n - 1]);
    const remaining = tf.sub(1, tf.cumsum(head, y.rank - 1, true));
    const z = tf.div(head, remaining);
    const offset = tf.log(tf.range(n - 1, 0, -1));
    return tf.add(tf.sub(tf.log(z), tf.log1p(tf.neg(z))), offset);
  },
  logAbsDetJacobian: (x) => {
    const n1 = x.shape[x.rank - 1]!;
    const u = tf.sub(x, tf.log(tf.range(n1, 0, -1)));
    const log1mZ = logSigmoid(tf.neg(u));
    const terms = tf.add(tf.add(logSigmoid(u), log1mZ), tf.cumsum(log1mZ, x.rank - 1, true));
    return tf.sum(terms, -1);
  },
  unconstrainedShape: (shape) => {
    const last = shape[shape.length - 1];
    if (last === undefined || last < 2) {
      fail('invalid-argument', `a simplex needs a last dim of at least 2, got shape [${shape.join(', ')}]`);
    }
    return [...shape.slice(0, -1), last - 1];
  },
};

export const simplex: Constraint = {
  name: 'simplex',
  discrete: false,
  eventDim: 1,
  check: (v) => {
    const n = v.shape[v.rank - 1] ?? 1;
    const nonneg = tf.all(tf.greaterEqual(v, 0), -1);
    const sumsToOne = tf.lessEqual(tf.abs(tf.sub(tf.sum(v, -1), 1)), 1e-5 * Math.max(1, n));
    return tf.logicalAnd(nonneg, sumsToOne);
  },
  transform: stickBreaking,
  describe: () => 'the probability simplex (non-negative, summing to 1 over the last dim)',
};

// Triangular parts by a constant mask: tf.linalg.bandPart is built on unstack/stack, whose gradient
// throws in tfjs when a piece gets no gradient.
function lowerMask(n: number, strict: boolean): tf.Tensor {
  return tf.tidy(() => {
    const rows = tf.expandDims(tf.range(0, n), 1);
    const cols = tf.expandDims(tf.range(0, n), 0);
    return tf.cast(strict ? tf.greater(rows, cols) : tf.greaterEqual(rows, cols), 'float32');
  });
}

function strictlyLower(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, lowerMask(x.shape[x.rank - 1]!, true));
}

function diagonal(x: tf.Tensor): tf.Tensor {
  // The diagonal as a [..., n] tensor: tfjs has no matrixDiagPart, so mask and sum.
  const n = x.shape[x.rank - 1]!;
  return tf.sum(tf.mul(x, tf.eye(n)), -1);
}

/** Lower-triangular matrices with positive diagonal (Cholesky factors). */
export const lowerCholesky: Constraint = {
  name: 'lowerCholesky',
  discrete: false,
  eventDim: 2,
  check: (v) => {
    const upper = tf.sub(v, tf.mul(v, lowerMask(v.shape[v.rank - 1]!, false)));
    const upperZero = tf.all(tf.all(tf.equal(upper, 0), -1), -1);
    const diagPositive = tf.all(tf.greater(diagonal(v), 0), -1);
    return tf.logicalAnd(upperZero, diagPositive);
  },
  transform: {
    forward: (x) => {
      const n = x.shape[x.rank - 1]!;
      return tf.add(strictlyLower(x), tf.mul(tf.expandDims(tf.exp(diagonal(x)), -1), tf.eye(n)));
    },
    inverse: (y) => {
      const n = y.shape[y.rank - 1]!;
      return tf.add(strictlyLower(y), tf.mul(tf.expandDims(tf.log(diagonal(y)), -1), tf.eye(n)));
    },
    // Only the n(n+1)/2 lower entries are free; d exp(x_ii) contributes x_ii.
    logAbsDetJacobian: (x) => tf.sum(diagonal(x), -1),
    unconstrainedShape: unchangedShape,
  },
  describe: () => 'lower-triangular matrices with a positive diagonal',
};

const isInteger = (v: tf.Tensor): tf.Tensor => tf.equal(v, tf.floor(v));

export const boolean: Constraint = {
  name: 'boolean',
  discrete: true,
  eventDim: 0,
  check: (v) => tf.logicalOr(tf.equal(v, 0), tf.equal(v, 1)),
  transform: undefined,
  describe: () => '{0, 1}',
};

export const nonnegativeInteger: Constraint = {
  name: 'nonnegativeInteger',
  discrete: true,
  eventDim: 0,
  check: (v) => tf.logicalAnd(isInteger(v), tf.greaterEqual(v, 0)),
  transform: undefined,
  describe: () => 'non-negative integers',
};

export function integerInterval(low: Bound, high: Bound): Constraint {
  return {
    name: 'integerInterval',
    discrete: true,
    eventDim: 0,
    check: (v) =>
      tf.logicalAnd(isInteger(v), tf.logicalAnd(tf.greaterEqual(v, low), tf.lessEqual(v, high))),
    transform: undefined,
    describe: () => `integers from ${describeBound(low)} to ${describeBound(high)}`,
  };
}

/** Constraints that a param may be given by name. */
export const namedConstraints = {
  real,
  positive,
  unitInterval,
  simplex,
  lowerCholesky,
} as const satisfies Record<string, Constraint>;

export type ConstraintSpec = Constraint | keyof typeof namedConstraints;

export function resolveConstraint(spec: ConstraintSpec | undefined, where: string): Constraint {
  if (spec === undefined) return real;
  if (typeof spec !== 'string') return spec;
  const found = (namedConstraints as Record<string, Constraint>)[spec];
  if (!found) {
    fail(
      'unknown-constraint',
      `${where}: unknown constraint '${spec}'; use one of ${Object.keys(namedConstraints).join(', ')}, ` +
        `or a constraint object such as interval(0, 5) or greaterThan(1)`,
      where,
    );
  }
  return found;
}

/** The transform of a constraint, or an error naming `where` for discrete constraints. */
export function biject(constraint: Constraint, where: string): Transform {
  if (!constraint.transform) {
    fail(
      'invalid-argument',
      `${where}: ${constraint.describe()} is discrete and has no bijection from real space`,
      where,
    );
  }
  return constraint.transform;
}
