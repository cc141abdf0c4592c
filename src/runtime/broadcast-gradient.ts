import * as tf from '@tensorflow/tfjs';
import { sameShape } from './shapes.js';

/**
 * `grad` summed over the axes `shape` was broadcast along, in `shape`: the gradient of an input of that
 * shape. No kernel when the shapes agree, and a reshape only where the sum dropped a unit dim `shape`
 * keeps (often none: a scalar loc, say).
 */
export function reducedTo(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const axes = tf.backend_util.getReductionAxes(shape as number[], grad.shape);
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad;
  return sameShape(summed.shape, shape) ? summed : tf.reshape(summed, shape as number[]);
}

/** `grad`, of the shape a sum over `axes` of an input of `shape` had, spread back over that input. */
export function spreadOver(grad: tf.Tensor, shape: readonly number[], axes: readonly number[]): tf.Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const kept = shape.map((d, a) => (axes.includes(a) ? 1 : d));
  const g = sameShape(grad.shape, kept) ? grad : tf.reshape(grad, kept);
  return sameShape(kept, shape) ? g : tf.broadcastTo(g, shape as number[]);
}

/**
 * Gradients as a custom op must hand them to tfjs's backprop: each a tensor of its own. Backprop keeps
 * one gradient per input and disposes it when it adds another to it, so a gradient that is `dy` itself,
 * or one handed out twice, could be disposed under another input. Such a one is cloned.
 */
export function ownGradients(grads: readonly tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const seen = new Set<tf.Tensor>([dy]);
  return grads.map((g) => {
    if (!seen.has(g)) {
      seen.add(g);
      return g;
    }
    return tf.clone(g);
  });
}
