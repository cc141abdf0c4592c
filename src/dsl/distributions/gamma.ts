import * as tf from '@tensorflow/tfjs';
import { positive } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { lgamma, xlogy } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { logStandardGamma, TINY } from './gamma-sampler.js';
import { broadcastArgs } from './shapes.js';

/** The gamma law with shape `concentration` and `rate` (mean concentration / rate). */
export class Gamma extends DistributionBase {
  readonly name = 'gamma';
  readonly support = positive;
  readonly hasRsample = false;

  constructor(
    readonly concentration: tf.Tensor,
    readonly rate: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    const logG = logStandardGamma(this.concentration, this.batchShape, rng);
    // Clamped to the smallest normal float32 so that logProb of a draw stays finite.
    return tf.maximum(tf.exp(tf.sub(logG, tf.log(this.rate))), TINY);
  }

  // At 0 the density has a finite (concentration = 1) or infinite (< 1) limit: admit the edge.
  protected override admits(x: tf.Tensor): tf.Tensor {
    return tf.greaterEqual(x, 0);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const a = this.concentration;
    const b = this.rate;
    return tf.sub(tf.add(xlogy(a, b), xlogy(tf.sub(a, 1), x)), tf.add(tf.mul(b, x), lgamma(a)));
  }

  protected meanValue(): tf.Tensor {
    return tf.div(this.concentration, this.rate);
  }

  protected varianceValue(): tf.Tensor {
    return tf.div(this.concentration, tf.square(this.rate));
  }

  protected withBatchShape(batchShape: readonly number[]): Gamma {
    return new Gamma(this.concentration, this.rate, batchShape);
  }
}

/**
 * The gamma distribution with shape `concentration` > 0 and `rate` > 0 (mean concentration / rate).
 * Not reparameterised (score-function gradients only).
 *
 * @example
 * const precision = sample('precision', dist.gamma(2, 1));
 */
export function gamma(concentration: TensorLike, rate: TensorLike): Gamma {
  const a = toParam('gamma', 'concentration', concentration, 'positive');
  const b = toParam('gamma', 'rate', rate, 'positive');
  return new Gamma(a, b, broadcastArgs('gamma', [['concentration', a.shape], ['rate', b.shape]]));
}
