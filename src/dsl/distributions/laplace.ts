import * as tf from '@tensorflow/tfjs';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** The Laplace (double exponential) law. */
export class Laplace extends DistributionBase {
  readonly name = 'laplace';
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
    // Inverse CDF with v = u - 1/2: x = loc - scale sign(v) log(1 - 2|v|).
    const v = tf.sub(rng.uniform(this.batchShape), 0.5);
    const standard = tf.neg(tf.mul(tf.sign(v), tf.log1p(tf.mul(tf.abs(v), -2))));
    return tf.add(this.loc, tf.mul(this.scale, standard));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    return tf.neg(tf.add(tf.div(tf.abs(tf.sub(x, this.loc)), this.scale), tf.log(tf.mul(this.scale, 2))));
  }

  protected meanValue(): tf.Tensor {
    return this.loc;
  }

  protected varianceValue(): tf.Tensor {
    return tf.mul(tf.square(this.scale), 2);
  }

  protected withBatchShape(batchShape: readonly number[]): Laplace {
    return new Laplace(this.loc, this.scale, batchShape);
  }
}

/**
 * The Laplace distribution with median `loc` and scale `scale` > 0 (variance 2 scale^2).
 * Reparameterised.
 *
 * @example
 * const w = sample('w', dist.laplace(0, 1).expand([10]).toEvent(1));
 */
export function laplace(loc: TensorLike, scale: TensorLike): Laplace {
  const l = toParam('laplace', 'loc', loc, 'real');
  const s = toParam('laplace', 'scale', scale, 'positive');
  return new Laplace(l, s, broadcastArgs('laplace', [['loc', l.shape], ['scale', s.shape]]));
}
