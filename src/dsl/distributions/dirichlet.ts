import * as tf from '@tensorflow/tfjs';
import { simplex } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { lgamma, xlogy } from '../math/special.js';
import { requireRank, toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { logStandardGamma, TINY } from './gamma-sampler.js';

/** The Dirichlet law on the simplex of the last dim (event shape [n]). */
export class Dirichlet extends DistributionBase {
  readonly name = 'dirichlet';
  readonly support = simplex;
  readonly hasRsample = false;

  constructor(
    readonly concentration: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, concentration.shape.slice(-1));
  }

  private get size(): number {
    return this.eventShape[0]!;
  }

  private get lastAxis(): number {
    return this.concentration.rank - 1;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    // Normalised gammas, as a softmax of their logs: stable for tiny concentrations.
    const shape = this.fullShape;
    const logG = logStandardGamma(this.concentration, shape, rng);
    return tf.maximum(tf.softmax(logG), TINY);
  }

  protected override interior(): tf.Tensor {
    return tf.fill([this.size], 1 / this.size);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const a = this.concentration;
    const axis = this.lastAxis;
    const normaliser = tf.sub(lgamma(tf.sum(a, axis)), tf.sum(lgamma(a), axis));
    const terms = xlogy(tf.sub(a, 1), x);
    return tf.add(tf.sum(terms, terms.rank - 1), normaliser);
  }

  protected meanValue(): tf.Tensor {
    return tf.div(this.concentration, tf.sum(this.concentration, this.lastAxis, true));
  }

  protected varianceValue(): tf.Tensor {
    const a = this.concentration;
    const total = tf.sum(a, this.lastAxis, true);
    return tf.div(tf.mul(a, tf.sub(total, a)), tf.mul(tf.square(total), tf.add(total, 1)));
  }

  protected withBatchShape(batchShape: readonly number[]): Dirichlet {
    return new Dirichlet(this.concentration, batchShape);
  }
}

/**
 * The Dirichlet distribution over probability vectors, with `concentration` [..., n] (all > 0): batch
 * shape is concentration.shape[:-1], event shape [n]. Not reparameterised.
 *
 * @example
 * const weights = sample('weights', dist.dirichlet(tf.ones([3]))); // shape [3], sums to 1
 */
export function dirichlet(concentration: TensorLike): Dirichlet {
  const a = toParam('dirichlet', 'concentration', concentration, 'positive');
  requireRank('dirichlet', 'concentration', a, 1, 'the categories on the last dim');
  return new Dirichlet(a, a.shape.slice(0, -1));
}
