import * as tf from '@tensorflow/tfjs';
import { positive } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import { standardCauchy } from './cauchy.js';
import type { TensorLike } from './distribution.js';

/** |C| for C ~ Cauchy(0, scale): the Cauchy folded at 0. */
export class HalfCauchy extends DistributionBase {
  readonly name = 'halfCauchy';
  readonly support = positive;
  readonly hasRsample = true;

  constructor(
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.mul(this.scale, tf.abs(standardCauchy(rng.uniform(this.batchShape))));
  }

  // The density is finite at 0 (its maximum, 2 / (pi scale)), so 0 is admitted.
  protected override admits(x: tf.Tensor): tf.Tensor {
    return tf.greaterEqual(x, 0);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const z = tf.div(x, this.scale);
    return tf.neg(tf.add(tf.log1p(tf.square(z)), tf.log(tf.mul(this.scale, Math.PI / 2))));
  }

  /** The mean is infinite. */
  protected meanValue(): tf.Tensor {
    return tf.fill([...this.batchShape], Infinity);
  }

  /** E X^2 is infinite, so the variance is too. */
  protected varianceValue(): tf.Tensor {
    return tf.fill([...this.batchShape], Infinity);
  }

  protected withBatchShape(batchShape: readonly number[]): HalfCauchy {
    return new HalfCauchy(this.scale, batchShape);
  }
}

/**
 * The half-Cauchy distribution: |X| for X ~ Cauchy(0, scale), scale > 0; support [0, inf), median
 * `scale`, infinite mean. Gelman's weakly informative prior for group-level scales. Reparameterised.
 *
 * @example
 * const tau = sample('tau', dist.halfCauchy(5));
 */
export function halfCauchy(scale: TensorLike): HalfCauchy {
  const s = toParam('halfCauchy', 'scale', scale, 'positive');
  return new HalfCauchy(s, [...s.shape]);
}
