import * as tf from '@tensorflow/tfjs';
import { DistributionBase } from '../../dsl/distributions/base.js';
import { untaped } from '../../runtime/detach.js';
import { type Constraint, biject } from '../../runtime/constraints.js';
import { logAbsDetJacobian } from './site.js';

/**
 * One site's share of a joint guide: a point mass at y = T(x), where x is the site's slice of the joint
 * unconstrained draw u (sampled at the guide's auxiliary site, which carries log q(u) once). Its
 * log-density is -log |det dT/dx| at x = T^-1(y), so the guide's total log q is
 *   log q(u) - sum_sites log |det J_site| = log q(z)   (the density of the constrained values).
 * A value other than y has density 0 (log -Infinity): the joint log q is only known at its own draws.
 */
export class JointSlice extends DistributionBase {
  readonly name = 'jointSlice';
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly value: tf.Tensor,
    readonly support: Constraint,
    eventShape: readonly number[],
    batchShape: readonly number[] = value.shape.slice(0, value.rank - eventShape.length),
  ) {
    super(batchShape, eventShape);
  }

  protected draw(): tf.Tensor {
    return tf.broadcastTo(this.value, this.fullShape);
  }

  protected logDensity(y: tf.Tensor): tf.Tensor {
    const eventRank = this.eventShape.length;
    const same = untaped(() => {
      const equal = tf.equal(y, this.value);
      return eventRank > 0 ? tf.all(equal, Array.from({ length: eventRank }, (_, i) => equal.rank - eventRank + i)) : equal;
    });
    const x = biject(this.support, 'autoGuide').inverse(y);
    return tf.where(same, tf.neg(logAbsDetJacobian(this.support, eventRank, x)), tf.scalar(-Infinity));
  }

  protected meanValue(): tf.Tensor {
    return this.value;
  }

  protected varianceValue(): tf.Tensor {
    return tf.zerosLike(this.value);
  }

  protected withBatchShape(batchShape: readonly number[]): JointSlice {
    return new JointSlice(this.value, this.support, this.eventShape, batchShape);
  }
}
