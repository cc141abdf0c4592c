import * as tf from '@tensorflow/tfjs';
import { positive } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';

/** The exponential law with the given rate (mean 1 / rate). */
export class Exponential extends DistributionBase {
  readonly name = 'exponential';
  readonly support = positive;
  readonly hasRsample = true;

  constructor(
    readonly rate: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.div(tf.neg(tf.log(rng.uniform(this.batchShape))), this.rate);
  }

  // The density's limit at 0 is the rate, so 0 is admitted (the support constraint itself is open).
  protected override admits(x: tf.Tensor): tf.Tensor {
    return tf.greaterEqual(x, 0);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    return tf.sub(tf.log(this.rate), tf.mul(this.rate, x));
  }

  protected meanValue(): tf.Tensor {
    return tf.reciprocal(this.rate);
  }

  protected varianceValue(): tf.Tensor {
    return tf.reciprocal(tf.square(this.rate));
  }

  protected withBatchShape(batchShape: readonly number[]): Exponential {
    return new Exponential(this.rate, batchShape);
  }
}

/**
 * The exponential distribution with `rate` > 0 (mean 1 / rate). Reparameterised.
 *
 * @example
 * const wait = sample('wait', dist.exponential(2));
 */
export function exponential(rate: TensorLike): Exponential {
  const r = toParam('exponential', 'rate', rate, 'positive');
  return new Exponential(r, [...r.shape]);
}
