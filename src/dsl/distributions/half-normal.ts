import * as tf from '@tensorflow/tfjs';
import { positive } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';

// log sqrt(2 / pi): the density is twice the normal's on x >= 0.
const HALF_LOG_2_OVER_PI = 0.5 * Math.log(2 / Math.PI);

/** |Z| scale for Z ~ N(0, 1): the normal folded at 0. */
export class HalfNormal extends DistributionBase {
  readonly name = 'halfNormal';
  readonly support = positive;
  readonly hasRsample = true;

  constructor(
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.mul(this.scale, tf.abs(rng.normal(this.batchShape)));
  }

  // The density is finite at 0 (its maximum), so 0 is admitted although the support is open.
  protected override admits(x: tf.Tensor): tf.Tensor {
    return tf.greaterEqual(x, 0);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const z = tf.div(x, this.scale);
    return tf.sub(tf.mul(tf.square(z), -0.5), tf.sub(tf.log(this.scale), HALF_LOG_2_OVER_PI));
  }

  protected meanValue(): tf.Tensor {
    return tf.mul(this.scale, Math.sqrt(2 / Math.PI));
  }

  protected varianceValue(): tf.Tensor {
    return tf.mul(tf.square(this.scale), 1 - 2 / Math.PI);
  }

  protected withBatchShape(batchShape: readonly number[]): HalfNormal {
    return new HalfNormal(this.scale, batchShape);
  }
}

/**
 * The half-normal distribution: |X| for X ~ N(0, scale^2), scale > 0; support [0, inf), mean
 * scale sqrt(2 / pi). A common prior for standard deviations. Reparameterised.
 *
 * @example
 * const sigma = sample('sigma', dist.halfNormal(1));
 */
export function halfNormal(scale: TensorLike): HalfNormal {
  const s = toParam('halfNormal', 'scale', scale, 'positive');
  return new HalfNormal(s, [...s.shape]);
}
