import * as tf from '@tensorflow/tfjs';
import { DistributionBase } from '../../dsl/distributions/base.js';
import type { Distribution } from '../../dsl/distributions/distribution.js';
import { biject, type Constraint, type Transform } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { RandomSource } from '../../runtime/rng.js';
import { inSupport, logAbsDetJacobian } from './site.js';

/**
 * The law of y = T(x), x ~ base, for the bijection T of a constraint (real space onto the support):
 *   rsample = T(base.rsample()),   log q(y) = log base(T^-1(y)) - log |det dT/dx| at x = T^-1(y).
 * Estimators see an ordinary reparameterised site whose values lie in the model's support. With the
 * identity (real support) it is the base law itself, under the base's name ('normal'), so closed-form
 * KL terms still apply.
 *
 * @example
 * // a log-normal as exp of a normal
 * const q = new TransformedDistribution(dist.normal(0, 1), constraints.positive, []);
 * q.rsample(); // > 0
 */
export class TransformedDistribution extends DistributionBase {
  readonly name: string;
  readonly support: Constraint;
  readonly hasRsample: boolean;
  protected override readonly masksSupport: boolean;
  readonly #transform: Transform;
  readonly #identity: boolean;

  /**
   * @param base a law over unconstrained values: batch shape = this batch shape, event shape =
   *   `constraint`'s unconstrained shape of `eventShape`
   * @param eventShape the event shape of the constrained values
   */
  constructor(
    readonly base: Distribution,
    constraint: Constraint,
    eventShape: readonly number[],
  ) {
    super(base.batchShape, eventShape);
    this.support = constraint;
    biject(constraint, 'TransformedDistribution'); // fails for a discrete constraint
    this.#transform = biject(constraint, 'autoGuide');
    this.#identity = constraint.name === 'real';
    this.name = this.#identity ? base.name : `${base.name} pushed to ${constraint.name}`;
    this.hasRsample = base.hasRsample;
    this.masksSupport = !this.#identity;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return this.#transform.forward(this.base.hasRsample ? this.base.rsample(rng) : this.base.sample(rng));
  }

  protected logDensity(y: tf.Tensor): tf.Tensor {
    const x = this.#transform.inverse(y);
    return tf.sub(this.base.logProb(x), logAbsDetJacobian(this.support, this.eventShape.length, x));
  }

  protected override admits(y: tf.Tensor): tf.Tensor {
    return inSupport(this.support, this.eventShape.length, y);
  }

  protected override interior(): tf.Tensor {
    return this.#transform.forward(tf.zeros(this.#transform.unconstrainedShape(this.eventShape)));
  }

  protected meanValue(): tf.Tensor {
    if (!this.#identity) this.#noMoments('mean');
    return this.base.mean();
  }

  protected varianceValue(): tf.Tensor {
    if (!this.#identity) this.#noMoments('variance');
    return this.base.variance();
  }

  protected withBatchShape(batchShape: readonly number[]): TransformedDistribution {
    return new TransformedDistribution(this.base.expand(batchShape), this.support, this.eventShape);
  }

  #noMoments(what: string): never {
    fail('invalid-argument', `${this.name}: the ${what} has no closed form; estimate it from samples (e.g. with predictive)`, this.name);
  }
}
