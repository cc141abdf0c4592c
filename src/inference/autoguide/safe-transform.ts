import * as tf from '@tensorflow/tfjs';
import { untaped } from '../../dsl/math/detach.js';
import type { Constraint, Transform } from '../../runtime/constraints.js';

/**
 * The bijection of a support, safe to differentiate. constraints.ts computes log-sigmoids with
 * tf.logSigmoid, whose custom gradient keeps a reference to its input instead of saving it: tfjs
 * disposes the forward pass's intermediates before backprop, so any gradient through
 * tf.logSigmoid(intermediate) fails ("Cannot read properties of undefined (reading 'backend')"). That
 * hits the interval log-Jacobian and the stick-breaking map and log-Jacobian. Until constraints.ts
 * writes log sigmoid(v) as -softplus(-v), those are recomputed here with softplus (the same maths);
 * everything else is the constraint's own transform.
 */

const lastAxes = (rank: number, n: number): number[] => Array.from({ length: n }, (_, i) => rank - n + i);
const sumLast = (t: tf.Tensor, n: number): tf.Tensor => (n > 0 ? tf.sum(t, lastAxes(t.rank, n)) : t);
const logSigmoid = (v: tf.Tensor): tf.Tensor => tf.neg(tf.softplus(tf.neg(v)));

/** log |dy/dx| of low + (high - low) sigmoid(x), summed over the constraint's event dims. */
function intervalLogDet(t: Transform, eventDim: number, x: tf.Tensor): tf.Tensor {
  const count = x.shape.slice(x.rank - eventDim).reduce((a, b) => a * b, 1);
  // The log-widths do not depend on x: read them off the constraint's own formula at x = 0, where
  // each element adds log(high - low) + 2 log(1/2).
  const logWidths = untaped(() => tf.add(t.logAbsDetJacobian(tf.zerosLike(x)), 2 * Math.LN2 * count));
  return tf.add(logWidths, sumLast(tf.add(logSigmoid(x), logSigmoid(tf.neg(x))), eventDim));
}

/** The centred stick-breaking pieces of constraints.ts: u = x - log(n-1 .. 1), z = sigmoid(u). */
function stickPieces(x: tf.Tensor): { logZ: tf.Tensor; log1mZ: tf.Tensor; logRemaining: tf.Tensor } {
  const axis = x.rank - 1; // positive: the wasm cumsum kernel misbehaves on axis -1
  const u = tf.sub(x, tf.log(tf.range(x.shape[axis]!, 0, -1)));
  const log1mZ = logSigmoid(tf.neg(u));
  return { logZ: logSigmoid(u), log1mZ, logRemaining: tf.cumsum(log1mZ, axis, true) };
}

function stickForward(x: tf.Tensor): tf.Tensor {
  const { logZ, log1mZ, logRemaining } = stickPieces(x);
  const axis = x.rank - 1;
  return tf.concat([tf.exp(tf.add(logZ, logRemaining)), tf.exp(tf.sum(log1mZ, axis, true))], axis);
}

function stickLogDet(x: tf.Tensor, eventDim: number): tf.Tensor {
  const { logZ, log1mZ, logRemaining } = stickPieces(x);
  return sumLast(tf.sum(tf.add(tf.add(logZ, log1mZ), logRemaining), x.rank - 1), eventDim - 1);
}

const cache = new WeakMap<Constraint, Transform>();

/** The constraint's bijection (it must have one), differentiable from anywhere. */
export function safeTransform(c: Constraint): Transform {
  const cached = cache.get(c);
  if (cached) return cached;
  const t = c.transform!;
  let safe: Transform = t;
  if (c.name === 'interval' || c.name === 'unitInterval') {
    safe = { ...t, logAbsDetJacobian: (x) => intervalLogDet(t, c.eventDim, x) };
  } else if (c.name === 'simplex') {
    safe = { ...t, forward: stickForward, logAbsDetJacobian: (x) => stickLogDet(x, c.eventDim) };
  }
  cache.set(c, safe);
  return safe;
}
