import * as tf from '@tensorflow/tfjs';
import type { ParamRole } from '../runtime/messages.js';
import { getParamStore } from '../runtime/param-store.js';

/**
 * Gradients accumulated outside the tape, chunk by chunk (so memory does not grow with the number of
 * particles or chain states), and the linear surrogate that hands them to `gradients`.
 */

/** Add `grads` (by variable name) into `total`, keeping the sums out of every tidy scope. */
export function accumulate(total: Map<string, tf.Tensor>, grads: tf.NamedTensorMap): void {
  for (const [name, g] of Object.entries(grads)) {
    const previous = total.get(name);
    total.set(name, tf.keep(previous ? tf.tidy(() => tf.add(previous, g)) : g));
    if (previous) {
      previous.dispose();
      g.dispose();
    }
  }
}

/** The role's variables, for `tf.variableGrads`. */
export function roleVariables(role: ParamRole): tf.Variable[] {
  const store = getParamStore();
  return store.names(role).map((name) => store.variable(name));
}

/**
 * sum_v <g_v, v> over the role's variables: linear in the params with the accumulated gradient as its
 * (constant) slope, so its gradient is exactly that gradient.
 */
export function linearLoss(gradients: ReadonlyMap<string, tf.Tensor>, role: ParamRole): tf.Scalar {
  return roleVariables(role)
    .filter((v) => gradients.has(v.name))
    .reduce<tf.Tensor>((acc, v) => tf.add(acc, tf.sum(tf.mul(gradients.get(v.name)!, v))), tf.scalar(0)) as tf.Scalar;
}
