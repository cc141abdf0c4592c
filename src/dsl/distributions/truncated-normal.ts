import * as tf from '@tensorflow/tfjs';
import { greaterThan, interval, lessThan, real, type Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { RandomSource } from '../../runtime/rng.js';
import { untaped } from '../../runtime/detach.js';
import { logNormalMass, truncatedStandardNormalMoments, truncatedStandardNormalQuantile } from '../math/normal-cdf.js';
import { LOG_2PI } from '../math/special.js';
import { toParam, validateRelation } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

const LOG_SQRT_2PI = 0.5 * LOG_2PI;

/**
 * (bound - loc) / scale, with infinite bounds kept out of the differentiated arithmetic: the gradient
 * of a quotient with respect to its denominator is -dy * numerator / scale^2, which is 0 * Infinity =
 * NaN at an infinite bound even though the standardised bound does not move.
 */
function standardise(bound: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  const finite = untaped(() => tf.isFinite(bound));
  const safe = tf.where(finite, bound, tf.zerosLike(bound)); // taped: finite tensor bounds get gradients
  return tf.where(finite, tf.div(tf.sub(safe, loc), scale), bound);
}

/** N(loc, scale^2) conditioned on [low, high]. */
export class TruncatedNormal extends DistributionBase {
  readonly name = 'truncatedNormal';
  readonly support: Constraint;
  readonly hasRsample = true;

  /** @param support the bijection target for automatic guides: real, greaterThan, lessThan or interval. */
  constructor(
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    readonly low: tf.Tensor,
    readonly high: tf.Tensor,
    batchShape: readonly number[],
    support: Constraint,
  ) {
    super(batchShape, []);
    this.support = support;
  }

  /** The standardised bounds, broadcast to the batch shape. */
  #bounds(): [tf.Tensor, tf.Tensor] {
    const shape = [...this.batchShape];
    return [
      tf.broadcastTo(standardise(this.low, this.loc, this.scale), shape),
      tf.broadcastTo(standardise(this.high, this.loc, this.scale), shape),
    ];
  }

  protected draw(rng: RandomSource): tf.Tensor {
    // Inversion: x = loc + scale F^-1(u), F the truncated standard normal CDF on [alpha, beta].
    const [alpha, beta] = this.#bounds();
    const z = truncatedStandardNormalQuantile(alpha, beta, rng.uniform(this.batchShape));
    // loc + scale z can round a hair outside [low, high] when z sits on a bound. (tfjs's maximum and
    // minimum gradients do not reduce over broadcast dims, so the bounds are broadcast first.)
    const shape = [...this.batchShape];
    const x = tf.add(this.loc, tf.mul(this.scale, z));
    return tf.minimum(tf.maximum(x, tf.broadcastTo(this.low, shape)), tf.broadcastTo(this.high, shape));
  }

  // The density is finite on the closed interval.
  protected override admits(x: tf.Tensor): tf.Tensor {
    return tf.logicalAnd(tf.greaterEqual(x, this.low), tf.lessEqual(x, this.high));
  }

  // A constant: only the masked-out branch sees it.
  protected override interior(): tf.Tensor {
    return untaped(() => tf.minimum(tf.maximum(this.loc, this.low), this.high));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const [alpha, beta] = this.#bounds();
    const z = tf.div(tf.sub(x, this.loc), this.scale);
    const normaliser = tf.add(tf.add(tf.log(this.scale), LOG_SQRT_2PI), logNormalMass(alpha, beta));
    return tf.sub(tf.mul(tf.square(z), -0.5), normaliser);
  }

  /** loc + scale E[z] for the standardised truncation (docs/distributions.md: numerics). */
  protected meanValue(): tf.Tensor {
    const [alpha, beta] = this.#bounds();
    return tf.add(this.loc, tf.mul(this.scale, truncatedStandardNormalMoments(alpha, beta)[0]));
  }

  /** scale^2 Var[z]: accurate in the far tails too (the one-sided series where the closed form cancels). */
  protected varianceValue(): tf.Tensor {
    const [alpha, beta] = this.#bounds();
    return tf.mul(tf.square(this.scale), truncatedStandardNormalMoments(alpha, beta)[1]);
  }

  protected withBatchShape(batchShape: readonly number[]): TruncatedNormal {
    return new TruncatedNormal(this.loc, this.scale, this.low, this.high, batchShape, this.support);
  }
}

/** The support as a constraint with a bijection from R: infinite bounds must be plain numbers. */
function supportOf(low: TensorLike, high: TensorLike): Constraint {
  const lowInfinite = low === -Infinity;
  const highInfinite = high === Infinity;
  if (lowInfinite && highInfinite) return real;
  if (highInfinite) return greaterThan(low);
  if (lowInfinite) return lessThan(high);
  return interval(low, high);
}

/**
 * The normal distribution N(loc, scale^2) truncated to [low, high] (low < high; either bound may be
 * -Infinity / Infinity, given as a plain number). Reparameterised by inversion of its CDF, computed
 * in log space so far-tail truncations (low = 8) draw and score accurately; gradients flow to `loc`,
 * `scale` and finite tensor bounds.
 *
 * Tensor bounds may hold infinities for `logProb` and sampling, but the support's bijection (used by
 * automatic guides and constrained params) needs one kind of bound per argument: give an infinite
 * bound as a number.
 *
 * @example
 * const sigma = sample('sigma', dist.truncatedNormal(1, 2, 0, Infinity)); // a normal prior kept positive
 * dist.truncatedNormal(0, 1, -1, 1).logProb(tf.scalar(0.5));
 */
export function truncatedNormal(loc: TensorLike, scale: TensorLike, low: TensorLike, high: TensorLike): TruncatedNormal {
  const l = toParam('truncatedNormal', 'loc', loc, 'real');
  const s = toParam('truncatedNormal', 'scale', scale, 'positive');
  // 'logit' admits -Infinity and Infinity but not NaN.
  const lo = toParam('truncatedNormal', 'low', low, 'logit');
  const hi = toParam('truncatedNormal', 'high', high, 'logit');
  if (low === Infinity || high === -Infinity) {
    fail('invalid-argument', `truncatedNormal: low must be less than high, got ${low === Infinity ? 'low = Infinity' : 'high = -Infinity'}`, `truncatedNormal.${low === Infinity ? 'low' : 'high'}`);
  }
  if (typeof low === 'number' && typeof high === 'number' && !(low < high)) {
    fail('invalid-argument', `truncatedNormal: low must be less than high, got low = ${low}, high = ${high}`, 'truncatedNormal.low');
  }
  validateRelation('truncatedNormal', 'low', 'low must be less than high everywhere', () => tf.less(lo, hi));
  const batch = broadcastArgs('truncatedNormal', [
    ['loc', l.shape],
    ['scale', s.shape],
    ['low', lo.shape],
    ['high', hi.shape],
  ]);
  return new TruncatedNormal(l, s, lo, hi, batch, supportOf(low, high));
}
