import * as tf from '@tensorflow/tfjs';
import { nonnegativeInteger } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { lgamma, xlogy } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import { poissonDraw } from './count-samplers.js';
import type { TensorLike } from './distribution.js';

/** The Poisson law; values are float32 counts. */
export class Poisson extends DistributionBase {
  readonly name = 'poisson';
  readonly support = nonnegativeInteger;
  readonly hasRsample = false;

  constructor(
    readonly rate: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    // Host-side exact sampler; per-element rates read from a broadcast copy (flat index = element).
    // Called inside sample()'s scope, which disposes the copy.
    const rates = tf.broadcastTo(this.rate, [...this.batchShape]).dataSync();
    return rng.fill(this.batchShape, (stream, i) => poissonDraw(stream, rates[i]!));
  }

  protected override interior(): tf.Tensor {
    return tf.scalar(0);
  }

  protected logDensity(k: tf.Tensor): tf.Tensor {
    return tf.sub(tf.sub(xlogy(k, this.rate), this.rate), lgamma(tf.add(k, 1)));
  }

  protected meanValue(): tf.Tensor {
    return this.rate;
  }

  protected varianceValue(): tf.Tensor {
    return this.rate;
  }

  protected withBatchShape(batchShape: readonly number[]): Poisson {
    return new Poisson(this.rate, batchShape);
  }
}

/**
 * The Poisson distribution over counts {0, 1, 2, ...} with mean `rate` >= 0 (values are float32).
 * Sampled exactly on the host (inversion below rate 10, Hörmann's PTRS above). Not reparameterised.
 *
 * @example
 * observe('count', dist.poisson(tf.exp(logRate)), counts);
 */
export function poisson(rate: TensorLike): Poisson {
  const r = toParam('poisson', 'rate', rate, 'nonnegative');
  return new Poisson(r, [...r.shape]);
}
