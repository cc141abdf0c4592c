/**
 * Value checks on tensor arguments. Shapes, and plain-number arguments, are always checked; the
 * values inside tensor arguments are not by default, because reading them back (`dataSync`) stalls
 * the backend on every distribution built in a training loop. Turn checks on while debugging a model.
 *
 * @example
 * setValidation(true);
 * normal(0, tf.tensor([1, -1])); // throws: normal: scale must be positive and finite, got -1 ...
 */

let enabled = false;

/** Check the values of tensor arguments of distributions built from now on (default: off). */
export function setValidation(on: boolean): void {
  enabled = on;
}

export function validationEnabled(): boolean {
  return enabled;
}
