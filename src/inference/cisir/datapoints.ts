import * as tf from '@tensorflow/tfjs';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/** Every tensor in an argument list, at any depth of arrays and plain objects (as selectDatapoints sees them). */
export function tensorsIn(value: unknown): tf.Tensor[] {
  if (value instanceof tf.Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  if (isPlainObject(value)) return Object.values(value).flatMap(tensorsIn);
  return [];
}

/**
 * A `selectDatapoints` for programs whose data arguments hold one row per datapoint along their first
 * axis (e.g. `model(x)` with x [B, 784], or a tuple of such tensors): every tensor argument whose first
 * dim is B, at any depth of arrays and plain objects, is gathered at the datapoints; others pass as they are.
 */
export function leadingAxisDatapoints(args: readonly unknown[], datapoints: Int32Array, batch: number): unknown[] {
  const indices = Array.from(datapoints);
  const restrict = (value: unknown): unknown => {
    if (value instanceof tf.Tensor) return value.rank > 0 && value.shape[0] === batch ? tf.gather(value, indices) : value;
    if (Array.isArray(value)) return value.map(restrict);
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, restrict(v)]));
    }
    return value;
  };
  return args.map(restrict);
}
