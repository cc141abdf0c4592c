import * as tf from '@tensorflow/tfjs';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { LOG_2PI } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** The normal law N(loc, scale^2). */
export class Normal extends DistributionBase {
  readonly name = 'normal';
  readonly support = real;
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.add(this.loc, tf.mul(this.scale, rng.normal(this.batchShape)));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const z = tf.div(tf.sub(x, this.loc), this.scale);
    return tf.sub(tf.mul(tf.square(z), -0.5), tf.add(tf.log(this.scale), 0.5 * LOG_2PI));
  }

  protected meanValue(): tf.Tensor {
    return this.loc;
  }

  protected varianceValue(): tf.Tensor {
    return tf.square(this.scale);
  }

  protected withBatchShape(batchShape: readonly number[]): Normal {
    return new Normal(this.loc, this.scale, batchShape);
  }
}

/**
 * The normal distribution with mean `loc` and standard deviation `scale` (> 0). Reparameterised.
 *
 * @example
 * const z = sample('z', dist.normal(0, 1));
 * dist.normal(tf.zeros([3]), 2).logProb(tf.ones([3])); // shape [3]
 */
export function normal(loc: TensorLike, scale: TensorLike): Normal {
  const l = toParam('normal', 'loc', loc, 'real');
  const s = toParam('normal', 'scale', scale, 'positive');
  return new Normal(l, s, broadcastArgs('normal', [['loc', l.shape], ['scale', s.shape]]));
}
