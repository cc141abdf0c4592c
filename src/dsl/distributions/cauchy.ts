import * as tf from '@tensorflow/tfjs';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/**
 * tan(pi (u - 1/2)) for uniforms u: the standard Cauchy by inversion. Written as
 * sign(u - 1/2) cot(pi w), w = min(u, 1 - u), so the far tails (u near 0 or 1) keep their relative
 * precision: cos(pi u - pi/2) in float32 would carry the rounding of pi/2 into a tiny denominator.
 */
export function standardCauchy(u: tf.Tensor): tf.Tensor {
  const w = tf.mul(tf.minimum(u, tf.sub(1, u)), Math.PI);
  return tf.mul(tf.sign(tf.sub(u, 0.5)), tf.div(tf.cos(w), tf.sin(w)));
}

/** The Cauchy law: loc + scale T with T the ratio of two independent standard normals. */
export class Cauchy extends DistributionBase {
  readonly name = 'cauchy';
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
    return tf.add(this.loc, tf.mul(this.scale, standardCauchy(rng.uniform(this.batchShape))));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const z = tf.div(tf.sub(x, this.loc), this.scale);
    return tf.neg(tf.add(tf.log1p(tf.square(z)), tf.log(tf.mul(this.scale, Math.PI))));
  }

  /** No mean: NaN (as studentT with df <= 1). */
  protected meanValue(): tf.Tensor {
    return tf.fill([...this.batchShape], NaN);
  }

  /** No variance: NaN. */
  protected varianceValue(): tf.Tensor {
    return tf.fill([...this.batchShape], NaN);
  }

  protected withBatchShape(batchShape: readonly number[]): Cauchy {
    return new Cauchy(this.loc, this.scale, batchShape);
  }
}

/**
 * The Cauchy distribution with median `loc` and scale `scale` > 0 (half the interquartile range);
 * no mean or variance (`mean()` and `variance()` are NaN). Reparameterised.
 *
 * @example
 * const shift = sample('shift', dist.cauchy(0, 2.5));
 */
export function cauchy(loc: TensorLike, scale: TensorLike): Cauchy {
  const l = toParam('cauchy', 'loc', loc, 'real');
  const s = toParam('cauchy', 'scale', scale, 'positive');
  return new Cauchy(l, s, broadcastArgs('cauchy', [['loc', l.shape], ['scale', s.shape]]));
}
