import * as tf from '@tensorflow/tfjs';
import { positive } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { LOG_2PI } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** exp of a normal: log X ~ N(loc, scale^2). */
export class LogNormal extends DistributionBase {
  readonly name = 'lognormal';
  readonly support = positive;
  readonly hasRsample = true;

  constructor(
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.exp(tf.add(this.loc, tf.mul(this.scale, rng.normal(this.batchShape))));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const logX = tf.log(x);
    const z = tf.div(tf.sub(logX, this.loc), this.scale);
    return tf.sub(tf.mul(tf.square(z), -0.5), tf.add(tf.add(tf.log(this.scale), 0.5 * LOG_2PI), logX));
  }

  protected meanValue(): tf.Tensor {
    return tf.exp(tf.add(this.loc, tf.mul(tf.square(this.scale), 0.5)));
  }

  protected varianceValue(): tf.Tensor {
    const s2 = tf.square(this.scale);
    return tf.mul(tf.expm1(s2), tf.exp(tf.add(tf.mul(this.loc, 2), s2)));
  }

  protected withBatchShape(batchShape: readonly number[]): LogNormal {
    return new LogNormal(this.loc, this.scale, batchShape);
  }
}

/**
 * The log-normal distribution: `exp` of a normal with mean `loc` and standard deviation `scale`.
 * Support (0, inf); reparameterised.
 *
 * @example
 * const rate = sample('rate', dist.lognormal(0, 0.5));
 */
export function lognormal(loc: TensorLike, scale: TensorLike): LogNormal {
  const l = toParam('lognormal', 'loc', loc, 'real');
  const s = toParam('lognormal', 'scale', scale, 'positive');
  return new LogNormal(l, s, broadcastArgs('lognormal', [['loc', l.shape], ['scale', s.shape]]));
}
