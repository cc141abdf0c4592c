import * as tf from '@tensorflow/tfjs';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { untaped } from '../../runtime/detach.js';
import { lgamma } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { logStandardGamma } from './gamma-sampler.js';
import { broadcastArgs } from './shapes.js';

/** Student's t law with `df` degrees of freedom, location and scale. */
export class StudentT extends DistributionBase {
  readonly name = 'studentT';
  readonly support = real;
  readonly hasRsample: boolean;
  protected override readonly masksSupport = false;

  /** @param constantDf df was a plain number, so reparameterising through loc and scale is exact. */
  constructor(
    readonly df: tf.Tensor,
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
    readonly constantDf: boolean,
  ) {
    super(batchShape, []);
    this.hasRsample = constantDf;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    // T = Z / sqrt(V / df), V ~ chi2(df) = 2 Gamma(df / 2). The standard T carries no gradient (the
    // gamma sampler is not reparameterised), which is why rsample needs a constant df.
    const shape = this.batchShape;
    const t = untaped(() => {
      const z = rng.normal(shape);
      const logV = logStandardGamma(tf.mul(this.df, 0.5), shape, rng); // log Gamma(df/2) = log(V / 2)
      const logVOverDf = tf.add(logV, tf.log(tf.div(2, this.df)));
      return tf.mul(z, tf.exp(tf.mul(logVOverDf, -0.5)));
    });
    return tf.add(this.loc, tf.mul(this.scale, t));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const df = this.df;
    const z = tf.div(tf.sub(x, this.loc), this.scale);
    const halfDfPlusHalf = tf.mul(tf.add(df, 1), 0.5);
    const normaliser = tf.sub(
      tf.sub(lgamma(halfDfPlusHalf), lgamma(tf.mul(df, 0.5))),
      tf.add(tf.mul(tf.log(tf.mul(df, Math.PI)), 0.5), tf.log(this.scale)),
    );
    return tf.sub(normaliser, tf.mul(halfDfPlusHalf, tf.log1p(tf.div(tf.square(z), df))));
  }

  /** loc where df > 1, NaN otherwise (no mean). */
  protected meanValue(): tf.Tensor {
    const defined = untaped(() => tf.greater(this.df, 1));
    return tf.where(defined, tf.add(this.loc, tf.zerosLike(this.df)), tf.scalar(NaN));
  }

  /** scale^2 df / (df - 2) for df > 2, Infinity for 1 < df <= 2, NaN for df <= 1. */
  protected varianceValue(): tf.Tensor {
    const df = this.df;
    const finite = untaped(() => tf.greater(df, 2));
    const infinite = untaped(() => tf.logicalAnd(tf.greater(df, 1), tf.lessEqual(df, 2)));
    const safeDf = tf.where(finite, df, tf.fill(df.shape, 3));
    const v = tf.div(tf.mul(tf.square(this.scale), safeDf), tf.sub(safeDf, 2));
    return tf.where(finite, v, tf.where(infinite, tf.scalar(Infinity), tf.scalar(NaN)));
  }

  protected withBatchShape(batchShape: readonly number[]): StudentT {
    return new StudentT(this.df, this.loc, this.scale, batchShape, this.constantDf);
  }
}

/**
 * Student's t distribution with `df` > 0 degrees of freedom, location `loc` and scale `scale` > 0.
 * Reparameterised (`hasRsample`) only when `df` is a plain number: gradients then flow to `loc` and
 * `scale` exactly; a tensor `df` (which might be learnt) gives a score-function-only law.
 *
 * @example
 * const noise = sample('noise', dist.studentT(4, 0, 1));
 */
export function studentT(df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1): StudentT {
  const d = toParam('studentT', 'df', df, 'positive');
  const l = toParam('studentT', 'loc', loc, 'real');
  const s = toParam('studentT', 'scale', scale, 'positive');
  const batch = broadcastArgs('studentT', [['df', d.shape], ['loc', l.shape], ['scale', s.shape]]);
  return new StudentT(d, l, s, batch, typeof df === 'number');
}
