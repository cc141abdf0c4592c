import * as tf from '@tensorflow/tfjs';
import { imageOf, type Bijection } from '../../runtime/bijections.js';
import type { Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { RandomSource } from '../../runtime/rng.js';
import { DistributionBase } from './base.js';
import type { Distribution } from './distribution.js';
import { broadcastShapes, lastAxes, sameShape, shapeString } from './shapes.js';

/**
 * The law of Y = f(X), X ~ base, for a bijection f:
 *   log p(y) = log p_base(f^-1(y)) - log |det df/dx| at x = f^-1(y),
 * with the log-Jacobian summed over the base's event dims (an elementwise f on a vector event is one
 * Jacobian, diagonal). Draws are f of the base's draws, reparameterised when the base's are.
 */
export class Transformed extends DistributionBase {
  readonly name: string;
  readonly support: Constraint;
  readonly hasRsample: boolean;

  constructor(
    readonly base: Distribution,
    readonly bijection: Bijection,
  ) {
    super(base.batchShape, base.eventShape);
    this.name = `transformed(${base.name}, ${bijection.name})`;
    this.support = imageOf(bijection, base.support);
    this.hasRsample = base.hasRsample;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    const x = this.base.hasRsample ? this.base.rsample(rng) : this.base.sample(rng);
    return tf.broadcastTo(this.bijection.forward(x), this.fullShape);
  }

  protected logDensity(y: tf.Tensor): tf.Tensor {
    const x = this.bijection.inverse(y);
    const ldj = this.bijection.logAbsDetJacobian(x);
    const extra = this.eventShape.length - this.bijection.eventDim;
    return tf.sub(this.base.logProb(x), extra > 0 ? tf.sum(ldj, lastAxes(ldj.rank, extra)) : ldj);
  }

  /**
   * y must have a finite preimage in the bijection's codomain; whether that preimage lies in the base's
   * support is the base's own `logProb` to say (it admits closed edges its constraint leaves open, such
   * as a half-normal's 0).
   */
  protected override admits(y: tf.Tensor): tf.Tensor {
    const { codomain } = this.bijection;
    const allOver = (t: tf.Tensor, n: number): tf.Tensor => (n > 0 ? tf.all(t, lastAxes(t.rank, n)) : t);
    const events = this.eventShape.length;
    const finite = allOver(tf.isFinite(this.bijection.inverse(y)), events);
    return tf.logicalAnd(allOver(codomain.check(y), events - codomain.eventDim), finite);
  }

  protected override interior(): tf.Tensor {
    const t = this.support.transform!;
    return t.forward(tf.zeros(t.unconstrainedShape(this.eventShape)));
  }

  protected meanValue(): tf.Tensor {
    return this.#moments()[0];
  }

  protected varianceValue(): tf.Tensor {
    return this.#moments()[1];
  }

  #moments(): readonly [tf.Tensor, tf.Tensor] {
    if (!this.bijection.moments) {
      fail('invalid-argument', `${this.name}: the mean and variance have no closed form; estimate them from samples (e.g. with predictive)`, this.name);
    }
    return this.bijection.moments(this.base.mean(), this.base.variance());
  }

  protected withBatchShape(batchShape: readonly number[]): Transformed {
    return new Transformed(this.base.expand(batchShape), this.bijection);
  }
}

/**
 * The distribution of `bijection(X)` for X ~ `base` (a pushforward): `logProb` adds the change of
 * variables, draws apply the bijection to the base's draws (reparameterised when the base is), and
 * the support is the image of the base's support (exp sends R to (0, inf)), so automatic guides and
 * constrained params work on it. The bijections are in `bijections`: `exp`, `sigmoid`, `tanh`,
 * `softplus`, `affine(loc, scale)` and `compose(...)`; the base must be continuous.
 *
 * The batch shape is the broadcast of the base's batch shape with the bijection's parameters (an
 * `affine` with a [3] scale over a scalar base has batch shape [3]); they may not change the event
 * shape.
 *
 * @example
 * import { bijections, dist } from 'roulette-ppl';
 * const rate = sample('rate', dist.transformed(dist.normal(0, 1), bijections.exp)); // a log-normal
 * const angle = dist.transformed(dist.beta(2, 2), bijections.affine(-Math.PI, 2 * Math.PI));
 */
export function transformed(base: Distribution, bijection: Bijection): Transformed {
  if (base.support.discrete) {
    fail('invalid-argument', `transformed: the base ${base.name} is discrete (${base.support.describe()}); a bijection's change of variables needs a continuous base`, 'transformed.base');
  }
  if (bijection.eventDim > base.eventShape.length) {
    fail(
      'shape-mismatch',
      `transformed: ${bijection.name} acts on ${bijection.eventDim} dims jointly but ${base.name}'s events have ${base.eventShape.length}; use base.toEvent(${bijection.eventDim - base.eventShape.length}) first`,
      'transformed.bijection',
    );
  }
  const full = [...base.batchShape, ...base.eventShape];
  const joined = broadcastShapes(full, bijection.paramShape);
  if (!joined) {
    fail('shape-mismatch', `transformed: ${bijection.name}'s parameters of shape ${shapeString(bijection.paramShape)} do not broadcast with ${base.name}'s draws of shape ${shapeString(full)}`, 'transformed.bijection');
  }
  const event = joined.slice(joined.length - base.eventShape.length);
  if (!sameShape(event, base.eventShape)) {
    fail(
      'shape-mismatch',
      `transformed: ${bijection.name}'s parameters of shape ${shapeString(bijection.paramShape)} would change ${base.name}'s event shape ${shapeString(base.eventShape)}; give them the event's shape or broadcast the base first`,
      'transformed.bijection',
    );
  }
  const batch = joined.slice(0, joined.length - base.eventShape.length);
  return new Transformed(sameShape(batch, base.batchShape) ? base : base.expand(batch), bijection);
}
