import * as tf from '@tensorflow/tfjs';
import { ownGradients, reducedTo, spreadOver } from '../runtime/broadcast-gradient.js';
import { fused, rowElements } from '../runtime/fused/kernel.js';
import { fusedSiteSum, SITE_SUM_KERNEL } from '../runtime/fused/site-sum.js';

/** One site's part of a sum: its tensor, the axes summed out, and its coefficient (a sign, a 1 / scale). */
export interface SiteSumTerm {
  readonly tensor: tf.Tensor;
  readonly axes: readonly number[];
  readonly coefficient: number;
}

/**
 * sum_i c_i * (sum over axes_i of t_i), the parts broadcast against each other: one fused kernel where the
 * backend has it (src/runtime/fused/site-sum.ts), else one taped op with its gradient written out: d/dt_i = c_i * dy (reduced to part i's shape) spread over t_i. tfjs would tape
 * every Sum, Add and Sub (cloning their inputs to learn shapes) and run their generic gradients; a step
 * of log-weights costs this a kernel per site and per sum, and about one per site in the gradient.
 */
export function siteSum(terms: readonly SiteSumTerm[]): tf.Tensor {
  if (terms.length === 0) return tf.scalar(0);
  if (fused(SITE_SUM_KERNEL, rowElements(terms.map((t) => t.tensor))) && terms.every((t) => t.tensor.dtype === 'float32')) {
    return fusedSiteSum(terms.map((t) => t.tensor), terms.map((t) => t.axes), terms.map((t) => t.coefficient));
  }
  const shapes = terms.map((t) => t.tensor.shape);
  const partShapes: number[][] = [];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const inputs = args.slice(0, terms.length) as tf.Tensor[];
    let total: tf.Tensor | undefined;
    inputs.forEach((x, i) => {
      const { axes, coefficient } = terms[i]!;
      let part = axes.length > 0 ? tf.sum(x, axes as number[]) : x;
      partShapes[i] = part.shape;
      if (total === undefined) {
        total = coefficient === 1 ? part : coefficient === -1 ? tf.neg(part) : tf.mul(part, coefficient);
        return;
      }
      if (Math.abs(coefficient) !== 1) part = tf.mul(part, Math.abs(coefficient));
      total = coefficient > 0 ? tf.add(total, part) : tf.sub(total, part);
    });
    // customGrad wants a tensor of its own as the value, never an input.
    const value = total === inputs[0] ? tf.clone(total!) : total!;
    return {
      value,
      gradFunc: (dy: tf.Tensor) =>
        ownGradients(
          terms.map(({ axes, coefficient }, i) => {
            const g = reducedTo(dy, partShapes[i]!);
            const scaled = coefficient === 1 ? g : coefficient === -1 ? tf.neg(g) : tf.mul(g, coefficient);
            return spreadOver(scaled, shapes[i]!, axes);
          }),
          dy,
        ),
    };
  });
  return op(...terms.map((t) => t.tensor)) as tf.Tensor;
}
