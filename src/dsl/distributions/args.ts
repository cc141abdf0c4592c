import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import type { TensorLike } from './distribution.js';
import { shapeString } from './shapes.js';
import { validationEnabled } from './validation.js';

/** What values an argument may take; plain numbers are always checked, tensors under `setValidation`. */
export type Domain = 'real' | 'logit' | 'positive' | 'nonnegative' | 'probability' | 'count';

const DESCRIPTIONS: Record<Domain, string> = {
  real: 'a finite number',
  logit: 'a number or -Infinity/Infinity (not NaN)',
  positive: 'positive and finite',
  nonnegative: 'non-negative and finite',
  probability: 'a probability in [0, 1]',
  count: 'a non-negative integer',
};

function admits(domain: Domain, x: number): boolean {
  switch (domain) {
    case 'real':
      return Number.isFinite(x);
    case 'logit':
      return !Number.isNaN(x);
    case 'positive':
      return x > 0 && x < Infinity;
    case 'nonnegative':
      return x >= 0 && x < Infinity;
    case 'probability':
      return x >= 0 && x <= 1;
    case 'count':
      return Number.isInteger(x) && x >= 0;
  }
}

/**
 * A distribution argument as a float32 tensor (tensors pass through, other dtypes are cast), its
 * domain checked as described above; errors name the distribution and the argument.
 */
export function toParam(dist: string, arg: string, x: TensorLike, domain: Domain): tf.Tensor {
  const where = `${dist}.${arg}`;
  if (typeof x === 'number') {
    if (!admits(domain, x)) fail('invalid-argument', `${dist}: ${arg} must be ${DESCRIPTIONS[domain]}, got ${x}`, where);
    return tf.scalar(x);
  }
  if (!(x instanceof tf.Tensor)) {
    fail('invalid-argument', `${dist}: ${arg} must be a number or a tf.Tensor, got ${typeof x}`, where);
  }
  const t = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  if (validationEnabled()) {
    const data = t.dataSync();
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!admits(domain, v)) {
        fail(
          'invalid-argument',
          `${dist}: ${arg} must be ${DESCRIPTIONS[domain]}, got ${v} at flat index ${i} of a tensor of shape ${shapeString(t.shape)}`,
          where,
        );
      }
    }
  }
  return t;
}

/** An argument that must carry at least `rank` dims (a vector of categories, a matrix, ...). */
export function requireRank(dist: string, arg: string, t: tf.Tensor, rank: number, what: string): void {
  if (t.rank < rank) {
    fail(
      'shape-mismatch',
      `${dist}: ${arg} must have at least ${rank} dim${rank > 1 ? 's' : ''} (${what}), got shape ${shapeString(t.shape)}`,
      `${dist}.${arg}`,
    );
  }
}

/**
 * Exactly one of two alternative parameterisations ({ probs } or { logits }); returns which was given.
 */
/**
 * A law parameterised by probabilities or logits also takes the probabilities positionally, as the
 * language does (`bernoulli(0.3)`, `categorical(p)`): a number or tensor means `{ probs }`.
 */
export function namedProbs<T extends object>(given: TensorLike | T): T | { probs: TensorLike } {
  return typeof given === 'number' || given instanceof tf.Tensor ? { probs: given } : given;
}

export function oneOf<K extends string>(dist: string, given: Partial<Record<K, TensorLike>>, keys: readonly K[]): K {
  const present = keys.filter((k) => given[k] !== undefined);
  if (present.length !== 1) {
    fail(
      'invalid-argument',
      `${dist}: give exactly one of ${keys.map((k) => `{ ${k} }`).join(' or ')}, got ${present.length === 0 ? 'none' : present.join(' and ')}`,
      dist,
    );
  }
  return present[0]!;
}

/**
 * A relation between tensor arguments (low < high, ...), checked only under `setValidation(true)`;
 * `holds` returns a boolean tensor.
 */
export function validateRelation(dist: string, where: string, message: string, holds: () => tf.Tensor): void {
  if (!validationEnabled()) return;
  const ok = tf.tidy(() => tf.all(holds()));
  const pass = ok.dataSync()[0] === 1;
  ok.dispose();
  if (!pass) fail('invalid-argument', `${dist}: ${message}`, `${dist}.${where}`);
}
