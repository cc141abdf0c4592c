import * as tf from '@tensorflow/tfjs';
import { resolveConstraint, type ConstraintSpec } from '../runtime/constraints.js';
import { fail, kindOf } from '../runtime/errors.js';
import { PlateMessenger, plateDim } from '../runtime/handlers/plate.js';
import type { DeterministicMessage, ParamMessage, PlateMessage, SampleMessage } from '../runtime/messages.js';
import type { ParamInit } from '../runtime/param-store.js';
import '../runtime/default-action.js'; // primitives need the default actions installed (a side effect)
import { formatShape } from '../runtime/shapes.js';
import { apply } from '../runtime/stack.js';
import type { Distribution } from './distributions/distribution.js';
import { unit } from './distributions/index.js';

function checkName(name: unknown, primitive: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    fail('invalid-argument', `${primitive}: the site name must be a non-empty string, got ${String(name)}`);
  }
  return name;
}

function checkDistribution(fn: unknown, name: string, primitive: string): Distribution {
  if (typeof fn !== 'object' || fn === null || typeof (fn as Distribution).logProb !== 'function') {
    fail('invalid-argument', `${primitive} '${name}': expected a distribution such as dist.normal(0, 1)`, name);
  }
  return fn as Distribution;
}

function sampleMessage(name: string, fn: Distribution, value: tf.Tensor | undefined, kind: SampleMessage['kind']): SampleMessage {
  return {
    type: 'sample',
    name,
    fn,
    value,
    observed: value !== undefined,
    plates: [],
    scale: 1,
    mask: undefined,
    reparameterized: false,
    detach: false,
    kind,
    stop: false,
  };
}

export interface SampleOptions {
  /**
   * A guide's auxiliary draw with no site of that name in the model (a joint guide's vector, from
   * which the latents are computed): not reported as a guide site the model never visits.
   */
  readonly auxiliary?: boolean;
  /**
   * Sum this discrete latent out exactly instead of sampling it (parallel enumeration, docs/enumeration.md):
   * every estimator's log weights marginalise it, and the guide must not sample it. Needs a finite
   * support (categorical, bernoulli). Outside the estimators (plain runs, `predictive`) it is sampled.
   */
  readonly enumerate?: boolean;
}

/**
 * A random choice. Outside any handler it just draws from `fn`; under handlers it may be recorded,
 * replayed, conditioned or vectorised.
 *
 * @example
 * const z = sample('z', dist.normal(0, 1));
 */
export function sample(name: string, fn: Distribution, options?: SampleOptions): tf.Tensor {
  checkName(name, 'sample');
  const msg = sampleMessage(name, checkDistribution(fn, name, 'sample'), undefined, 'latent');
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Object.keys(options).some((k) => k !== 'auxiliary' && k !== 'enumerate')) {
      fail(
        'invalid-argument',
        `sample '${name}': the third argument takes { auxiliary: true } or { enumerate: true }, got ${JSON.stringify(options)}`,
        name,
      );
    }
    for (const key of ['auxiliary', 'enumerate'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        fail('invalid-argument', `sample '${name}': option ${key} must be true or false, got ${JSON.stringify(options[key])}`, name);
      }
    }
    if (options.auxiliary && options.enumerate) {
      fail('invalid-argument', `sample '${name}': a site cannot be both auxiliary (a guide's own draw) and enumerated (a model latent summed out)`, name);
    }
    if (options.auxiliary) msg.auxiliary = true;
    if (options.enumerate) msg.enumerate = true;
  }
  return apply(msg).value!;
}

/**
 * An observation: `value` is data drawn from `fn`; it contributes log fn(value) to the model's density.
 *
 * @example
 * observe('x', dist.normal(mu, 1), data);
 */
export function observe(name: string, fn: Distribution, value: tf.Tensor | number): tf.Tensor {
  checkName(name, 'observe');
  const tensor = typeof value === 'number' ? tf.scalar(value) : value;
  if (!(tensor instanceof tf.Tensor)) {
    fail('invalid-argument', `observe '${name}': the observed value must be a tensor or a number`, name);
  }
  return apply(sampleMessage(name, checkDistribution(fn, name, 'observe'), tensor, 'observed')).value!;
}

/**
 * Add `logWeight` (a tensor of per-item log weights, or a number) to the program's log density.
 *
 * @example
 * factor('penalty', tf.neg(tf.square(theta)));
 */
export function factor(name: string, logWeight: tf.Tensor | number): void {
  checkName(name, 'factor');
  const weight = typeof logWeight === 'number' ? tf.scalar(logWeight) : logWeight;
  const fn = unit(weight);
  apply(sampleMessage(name, fn, tf.zeros(fn.batchShape as number[]), 'factor'));
}

/**
 * Record a value computed from other sites so it appears in traces (and in `predictive` output).
 *
 * @example
 * deterministic('mean', tf.add(a, tf.mul(b, x)));
 */
export function deterministic(name: string, value: tf.Tensor): tf.Tensor {
  checkName(name, 'deterministic');
  const msg: DeterministicMessage = { type: 'deterministic', name, value, plates: [], stop: false };
  return apply(msg).value;
}

export interface ParamOptions {
  /** The set the param lives in: a constraint object or one of 'real', 'positive', 'unitInterval', 'simplex', 'lowerCholesky'. */
  readonly constraint?: ConstraintSpec;
}

/**
 * A learnable parameter, created from `init` on first use and read from the param store afterwards.
 *
 * @example
 * const sigma = param('sigma', 1, { constraint: 'positive' });
 */
export function param(name: string, init?: ParamInit, options: ParamOptions = {}): tf.Tensor {
  checkName(name, 'param');
  const constraint = resolveConstraint(options.constraint, `param '${name}'`);
  const msg: ParamMessage = { type: 'param', name, init, constraint, value: undefined, role: undefined, stop: false };
  return apply(msg).value!;
}

export interface PlateOptions {
  /** Subsample size B (indices drawn uniformly without replacement), or the int32 indices themselves. */
  readonly subsample?: number | tf.Tensor;
  /** The batch dim this plate owns (negative, counted from the right); default: the rightmost free one. */
  readonly dim?: number;
}

function checkedSize(name: string, size: number): number {
  if (!Number.isInteger(size) || size < 1) {
    fail('invalid-argument', `plate '${name}': size must be a positive integer, got ${size}`, name);
  }
  return size;
}

function subsampleOf(name: string, size: number, subsample: PlateOptions['subsample']): [number, tf.Tensor | undefined] {
  if (subsample === undefined) return [size, undefined];
  if (typeof subsample === 'number') {
    if (!Number.isInteger(subsample) || subsample < 1 || subsample > size) {
      fail('invalid-argument', `plate '${name}': subsample must be an integer in 1..${size}, got ${subsample}`, name);
    }
    return [subsample, undefined];
  }
  if (subsample.rank !== 1 || subsample.dtype !== 'int32') {
    fail(
      'invalid-argument',
      `plate '${name}': subsample indices must be a 1-D int32 tensor, got ${subsample.dtype} ${formatShape(subsample.shape)}`,
      name,
    );
  }
  return [subsample.shape[0]!, subsample];
}

/**
 * Declare conditional independence over `size` items. `body` receives the (subsample) indices; sites
 * inside get a batch dim of the subsample size at the plate's dim, and their log-probs are scaled by
 * size / subsample size so minibatch estimates are unbiased for the full data.
 *
 * @example
 * plate('data', N, (idx) => {
 *   const xb = tf.gather(x, idx);
 *   observe('x', normal(mu, 1), xb);
 * }, { subsample: 32 });
 */
export function plate<T>(name: string, size: number, body: (indices: tf.Tensor) => T, options: PlateOptions = {}): T {
  checkedSize(name, size);
  if (typeof body !== 'function') {
    fail('invalid-argument', `plate '${name}': the third argument must be the body, a function of the indices (plate(name, size, (i) => ..., { subsample })), got ${kindOf(body)}`, name);
  }
  const [subsampleSize, given] = subsampleOf(name, size, options.subsample);
  const msg: PlateMessage = apply<PlateMessage>({
    type: 'plate',
    name,
    size,
    subsampleSize,
    value: given,
    stop: false,
  });
  const dim = plateDim(name, options.dim);
  const indices = msg.value!;
  return new PlateMessenger({ name, size, subsampleSize, dim }).run(() => body(indices));
}
