import * as tf from '@tensorflow/tfjs';
import { unitInterval } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { logBeta, xlog1py, xlogy } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { logStandardGamma, TINY } from './gamma-sampler.js';
import { broadcastArgs } from './shapes.js';

// The largest float32 below 1: draws are kept off the edges where a density may be infinite.
const ONE_MINUS_EPS = 1 - 2 ** -24;

/** The beta law on [0, 1]. */
export class Beta extends DistributionBase {
  readonly name = 'beta';
  readonly support = unitInterval;
  readonly hasRsample = false;

  constructor(
    readonly concentration1: tf.Tensor,
    readonly concentration0: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    // X = G1 / (G1 + G0) = sigmoid(log G1 - log G0): stable even when both gammas underflow.
    const log1 = logStandardGamma(this.concentration1, this.batchShape, rng);
    const log0 = logStandardGamma(this.concentration0, this.batchShape, rng);
    return tf.clipByValue(tf.sigmoid(tf.sub(log1, log0)), TINY, ONE_MINUS_EPS);
  }

  protected override interior(): tf.Tensor {
    return tf.scalar(0.5);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const a = this.concentration1;
    const b = this.concentration0;
    return tf.sub(tf.add(xlogy(tf.sub(a, 1), x), xlog1py(tf.sub(b, 1), tf.neg(x))), logBeta(a, b));
  }

  protected meanValue(): tf.Tensor {
    return tf.div(this.concentration1, tf.add(this.concentration1, this.concentration0));
  }

  protected varianceValue(): tf.Tensor {
    const a = this.concentration1;
    const b = this.concentration0;
    const total = tf.add(a, b);
    return tf.div(tf.mul(a, b), tf.mul(tf.square(total), tf.add(total, 1)));
  }

  protected withBatchShape(batchShape: readonly number[]): Beta {
    return new Beta(this.concentration1, this.concentration0, batchShape);
  }
}

/**
 * The beta distribution on [0, 1] with density proportional to x^(c1 - 1) (1 - x)^(c0 - 1); both
 * concentrations > 0. Not reparameterised.
 *
 * @example
 * const p = sample('p', dist.beta(2, 2));
 */
export function beta(concentration1: TensorLike, concentration0: TensorLike): Beta {
  const a = toParam('beta', 'concentration1', concentration1, 'positive');
  const b = toParam('beta', 'concentration0', concentration0, 'positive');
  return new Beta(a, b, broadcastArgs('beta', [['concentration1', a.shape], ['concentration0', b.shape]]));
}
