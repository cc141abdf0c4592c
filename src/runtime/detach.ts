import * as tf from '@tensorflow/tfjs';

/**
 * Gradient plumbing that tfjs lacks. tfjs has no stop-gradient op, and its comparison ops (less,
 * equal, logicalAnd, ...) have no gradient at all: a mask computed from a differentiable value makes
 * `tf.grad` throw. Ops run inside `tf.customGrad`'s forward function are not taped, so both helpers
 * run their work there.
 */

/**
 * Run `f` without recording it for autodiff: the result is a constant to any gradient. Use it for
 * masks (support checks, branch conditions) and for samplers whose draws must not carry gradients.
 *
 * @example
 * const inside = untaped(() => tf.greaterEqual(x, 0)); // safe inside tf.grad
 */
export function untaped(f: () => tf.Tensor): tf.Tensor {
  // No inputs: the node is on no path from any variable, so backprop never visits it.
  return tf.customGrad(() => ({ value: f(), gradFunc: () => [] }))();
}

/**
 * A unary op with a hand-written gradient: `forward(x)` runs untaped, and the gradient is
 * `gradient(x, dy)`. Wraps `tf.customGrad`, whose variadic signature mixes tensors and the save function.
 */
export function withGradient(
  forward: (x: tf.Tensor) => tf.Tensor,
  gradient: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([x]);
    return {
      value: forward(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradient(saved[0]!, dy),
    };
  });
  return (x) => op(x);
}

const stop = withGradient(
  (x) => tf.clone(x),
  (_x, dy) => tf.zerosLike(dy),
);

/**
 * The identity with a zero gradient (tfjs has no `stopGradient`).
 *
 * @example
 * const w = stopGradient(logW); // detached weights in a surrogate loss
 */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  return stop(x);
}
