import * as tf from '@tensorflow/tfjs';
import { interval, type Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { RandomSource } from '../../runtime/rng.js';
import { toParam, validateRelation } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** The uniform law on [low, high]. */
export class Uniform extends DistributionBase {
  readonly name = 'uniform';
  readonly support: Constraint;
  readonly hasRsample = true;

  /** @param support interval(low, high), built from the arguments as given so [0, 1] is named. */
  constructor(
    readonly low: tf.Tensor,
    readonly high: tf.Tensor,
    batchShape: readonly number[],
    support: Constraint,
  ) {
    super(batchShape, []);
    this.support = support;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.add(this.low, tf.mul(tf.sub(this.high, this.low), rng.uniform(this.batchShape)));
  }

  protected logDensity(): tf.Tensor {
    return tf.neg(tf.log(tf.sub(this.high, this.low)));
  }

  protected override interior(): tf.Tensor {
    return tf.mul(tf.add(this.low, this.high), 0.5);
  }

  protected meanValue(): tf.Tensor {
    return tf.mul(tf.add(this.low, this.high), 0.5);
  }

  protected varianceValue(): tf.Tensor {
    return tf.div(tf.square(tf.sub(this.high, this.low)), 12);
  }

  protected withBatchShape(batchShape: readonly number[]): Uniform {
    return new Uniform(this.low, this.high, batchShape, this.support);
  }
}

/**
 * The continuous uniform distribution on [low, high] (low < high). Reparameterised.
 *
 * @example
 * const theta = sample('theta', dist.uniform(0, Math.PI));
 */
export function uniform(low: TensorLike, high: TensorLike): Uniform {
  const l = toParam('uniform', 'low', low, 'real');
  const h = toParam('uniform', 'high', high, 'real');
  if (typeof low === 'number' && typeof high === 'number' && !(low < high)) {
    fail('invalid-argument', `uniform: low must be less than high, got low = ${low}, high = ${high}`, 'uniform.low');
  }
  validateRelation('uniform', 'low', 'low must be less than high everywhere', () => tf.less(l, h));
  return new Uniform(l, h, broadcastArgs('uniform', [['low', l.shape], ['high', h.shape]]), interval(low, high));
}
