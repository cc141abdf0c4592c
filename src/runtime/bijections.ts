import * as tf from '@tensorflow/tfjs';
import { interval, positive, real, unitInterval, type Constraint } from './constraints.js';
import { fail } from './errors.js';

/**
 * Smooth invertible maps for pushing a distribution forward (`dist.transformed(base, b)`): each knows
 * its inverse, its log |det Jacobian| and where its values land. All of them act elementwise
 * (`eventDim` 0); `compose` chains them.
 *
 * @example
 * const logNormal = dist.transformed(dist.normal(0, 1), bijections.exp);
 * const scaled = dist.transformed(dist.beta(2, 2), bijections.affine(-1, 2)); // on [-1, 1]
 */
export interface Bijection {
  /** How it reads in error messages and distribution names ('exp', 'affine', 'exp . affine'). */
  readonly name: string;
  /** Rightmost dims that one element spans (0: elementwise). */
  readonly eventDim: number;
  /** The shape its own parameters broadcast to ([] for parameter-free maps); it broadcasts with values. */
  readonly paramShape: readonly number[];
  /** Where forward's values lie when its inputs range over all of R. */
  readonly codomain: Constraint;
  forward(x: tf.Tensor): tf.Tensor;
  inverse(y: tf.Tensor): tf.Tensor;
  /** log |det dy/dx| at x, summed over `eventDim` dims. */
  logAbsDetJacobian(x: tf.Tensor): tf.Tensor;
  /** Mean and variance of forward(X) from those of X, where they have a closed form (affine maps). */
  moments?(mean: tf.Tensor, variance: tf.Tensor): readonly [tf.Tensor, tf.Tensor];
}

// log sigmoid(v) = -softplus(-v) (see constraints.ts for why not tf.logSigmoid).
const logSigmoid = (v: tf.Tensor): tf.Tensor => tf.neg(tf.softplus(tf.neg(v)));

/** y = exp(x), onto (0, inf); log |dy/dx| = x. */
export const exp: Bijection = {
  name: 'exp',
  eventDim: 0,
  paramShape: [],
  codomain: positive,
  forward: (x) => tf.exp(x),
  inverse: (y) => tf.log(y),
  logAbsDetJacobian: (x) => tf.clone(x),
};

/** y = 1 / (1 + exp(-x)), onto (0, 1); log |dy/dx| = log sigmoid(x) + log sigmoid(-x). */
export const sigmoid: Bijection = {
  name: 'sigmoid',
  eventDim: 0,
  paramShape: [],
  codomain: unitInterval,
  forward: (x) => tf.sigmoid(x),
  inverse: (y) => tf.sub(tf.log(y), tf.log1p(tf.neg(y))),
  logAbsDetJacobian: (x) => tf.add(logSigmoid(x), logSigmoid(tf.neg(x))),
};

/** y = tanh(x), onto (-1, 1); log |dy/dx| = log(1 - tanh^2 x) = 2 (log 2 - x - softplus(-2x)). */
export const tanh: Bijection = {
  name: 'tanh',
  eventDim: 0,
  paramShape: [],
  codomain: interval(-1, 1),
  forward: (x) => tf.tanh(x),
  inverse: (y) => tf.mul(tf.sub(tf.log1p(y), tf.log1p(tf.neg(y))), 0.5),
  logAbsDetJacobian: (x) => tf.mul(tf.sub(tf.sub(Math.LN2, x), tf.softplus(tf.mul(x, -2))), 2),
};

/** y = log(1 + exp(x)), onto (0, inf); inverse y + log(1 - exp(-y)); log |dy/dx| = log sigmoid(x). */
export const softplus: Bijection = {
  name: 'softplus',
  eventDim: 0,
  paramShape: [],
  codomain: positive,
  forward: (x) => tf.softplus(x),
  inverse: (y) => tf.add(y, tf.log(tf.neg(tf.expm1(tf.neg(y))))),
  logAbsDetJacobian: (x) => logSigmoid(x),
};

type Scalar = number | tf.Tensor;

function shapeOf(x: Scalar): number[] {
  return typeof x === 'number' ? [] : [...x.shape];
}

/**
 * y = loc + scale * x (scale non-zero, may be negative), onto R; log |dy/dx| = log |scale|. `loc` and
 * `scale` are numbers or tensors that broadcast against the values.
 */
export function affine(loc: Scalar, scale: Scalar): Bijection {
  if (typeof loc === 'number' && !Number.isFinite(loc)) {
    fail('invalid-argument', `bijections.affine: loc must be a finite number, got ${loc}`, 'affine.loc');
  }
  if (typeof scale === 'number' && !(Number.isFinite(scale) && scale !== 0)) {
    fail('invalid-argument', `bijections.affine: scale must be a finite non-zero number, got ${scale}`, 'affine.scale');
  }
  const paramShape = tf.broadcast_util.assertAndGetBroadcastShape(shapeOf(loc), shapeOf(scale));
  const logAbsScale = (): tf.Tensor => tf.log(tf.abs(typeof scale === 'number' ? tf.scalar(scale) : scale));
  return {
    name: 'affine',
    eventDim: 0,
    paramShape,
    codomain: real,
    forward: (x) => tf.add(loc, tf.mul(scale, x)),
    inverse: (y) => tf.div(tf.sub(y, loc), scale),
    logAbsDetJacobian: (x) => tf.add(tf.zerosLike(x), logAbsScale()),
    moments: (mean, variance) => [tf.add(loc, tf.mul(scale, mean)), tf.mul(tf.square(scale), variance)],
  };
}

function sumRightmost(t: tf.Tensor, n: number): tf.Tensor {
  return n > 0 ? tf.sum(t, Array.from({ length: n }, (_, i) => t.rank - n + i)) : t;
}

/** The bijections applied in order: `compose(affine(0, 2), exp)` is y = exp(2x). */
export function compose(...parts: readonly Bijection[]): Bijection {
  if (parts.length === 0) fail('invalid-argument', 'bijections.compose: give at least one bijection', 'compose');
  const eventDim = Math.max(...parts.map((p) => p.eventDim));
  let paramShape: number[] = [];
  for (const p of parts) paramShape = tf.broadcast_util.assertAndGetBroadcastShape(paramShape, [...p.paramShape]);
  let codomain = parts[0]!.codomain;
  for (const p of parts.slice(1)) codomain = imageOf(p, codomain);
  const withMoments = parts.every((p) => p.moments !== undefined);
  return {
    name: parts.map((p) => p.name).join(' then '),
    eventDim,
    paramShape,
    codomain,
    forward: (x) => parts.reduce((v, p) => p.forward(v), x),
    inverse: (y) => parts.reduceRight((v, p) => p.inverse(v), y),
    logAbsDetJacobian: (x) => {
      let v = x;
      let total: tf.Tensor | undefined;
      for (const p of parts) {
        const term = sumRightmost(p.logAbsDetJacobian(v), eventDim - p.eventDim);
        total = total ? tf.add(total, term) : term;
        v = p.forward(v);
      }
      return total!;
    },
    ...(withMoments
      ? { moments: (mean: tf.Tensor, variance: tf.Tensor) => parts.reduce<readonly [tf.Tensor, tf.Tensor]>((m, p) => p.moments!(m[0], m[1]), [mean, variance]) }
      : {}),
  };
}

/**
 * Where `b` sends the set `domain`: its codomain when the domain is all of R, otherwise the set of y
 * in the codomain whose preimage lies in the domain, with the bijection from R that runs through the
 * domain's own (so automatic guides and constrained params work on it).
 */
export function imageOf(b: Bijection, domain: Constraint): Constraint {
  const inner = domain.transform;
  if (domain.discrete || !inner) {
    fail('invalid-argument', `bijections: ${b.name} cannot push forward ${domain.describe()}, which is discrete`, b.name);
  }
  if (domain.name === 'real' && domain.eventDim <= b.eventDim) return b.codomain;
  const eventDim = Math.max(domain.eventDim, b.eventDim);
  const extraDomain = eventDim - domain.eventDim;
  const extraB = eventDim - b.eventDim;
  const extraCodomain = eventDim - b.codomain.eventDim;
  return {
    name: 'image',
    discrete: false,
    eventDim,
    check: (y) =>
      tf.tidy(() => {
        const inCodomain = b.codomain.check(y);
        const inDomain = domain.check(b.inverse(y));
        const reduce = (t: tf.Tensor, n: number): tf.Tensor => (n > 0 ? tf.all(t, Array.from({ length: n }, (_, i) => t.rank - n + i)) : t);
        return tf.logicalAnd(reduce(inCodomain, extraCodomain), reduce(inDomain, extraDomain));
      }),
    transform: {
      forward: (u) => b.forward(inner.forward(u)),
      inverse: (y) => inner.inverse(b.inverse(y)),
      logAbsDetJacobian: (u) =>
        tf.tidy(() => {
          const x = inner.forward(u);
          return tf.add(sumRightmost(inner.logAbsDetJacobian(u), extraDomain), sumRightmost(b.logAbsDetJacobian(x), extraB));
        }),
      unconstrainedShape: (shape) => inner.unconstrainedShape(shape),
    },
    describe: () => `the image of ${domain.describe()} under ${b.name}`,
  };
}
