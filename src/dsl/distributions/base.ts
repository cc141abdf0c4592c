import * as tf from '@tensorflow/tfjs';
import type { Constraint } from '../../runtime/constraints.js';
import { fail, kindOf } from '../../runtime/errors.js';
import { currentRandom, type RandomSource } from '../../runtime/rng.js';
import { untaped } from '../../runtime/detach.js';
import type { Distribution } from './distribution.js';
import { reinterpret } from './independent.js';
import { checkExpand, lastAxes, logProbShape, sameShape } from './shapes.js';

/**
 * What every distribution shares: the sample/rsample split, the support mask of `logProb`, shape
 * checks and broadcasting. A subclass supplies `draw`, `logDensity`, the moments and `withBatchShape`.
 *
 * Parameters are kept unbroadcast; `batchShape` may be larger than their broadcast shape (after
 * `expand`), so results are broadcast to it at the end. Methods allocate inside `tf.tidy`; the tensors
 * they return (and the parameter tensors made from plain numbers) belong to the caller's scope.
 */
export abstract class DistributionBase implements Distribution {
  abstract readonly name: string;
  abstract readonly support: Constraint;
  abstract readonly hasRsample: boolean;
  /**
   * Whether `logProb` must mask values outside the support. Laws on all of R^n whose density is -Infinity
   * at infinities and NaN at NaN need no mask.
   */
  protected readonly masksSupport: boolean = true;
  /**
   * Whether `logDensity` always returns a tensor of its own (never a parameter or the value): then a
   * log-prob of the full shape needs no defensive clone (an Identity, and a Cast in its gradient).
   */
  protected readonly logDensityIsFresh: boolean = false;

  constructor(
    readonly batchShape: readonly number[],
    readonly eventShape: readonly number[],
  ) {}

  /** A draw of the full shape batchShape ++ eventShape; differentiable when `hasRsample`. */
  protected abstract draw(rng: RandomSource): tf.Tensor;
  /** The log density at values known to lie in the support (broadcasting against the parameters). */
  protected abstract logDensity(value: tf.Tensor): tf.Tensor;
  protected abstract meanValue(): tf.Tensor;
  protected abstract varianceValue(): tf.Tensor;
  protected abstract withBatchShape(batchShape: readonly number[]): Distribution;

  /** Does `value` lie in the support (boolean, shape = value minus event dims)? Closed edges override. */
  protected admits(value: tf.Tensor): tf.Tensor {
    return this.support.check(value);
  }

  /** A point inside the support, substituted for outside values so their gradients stay finite. */
  protected interior(): tf.Tensor {
    return tf.scalar(1);
  }

  get fullShape(): number[] {
    return [...this.batchShape, ...this.eventShape];
  }

  sample(rng: RandomSource = currentRandom()): tf.Tensor {
    // Untaped: no gradient reaches the parameters, and samplers may use ops that have no gradient.
    return untaped(() => this.draw(rng));
  }

  rsample(rng: RandomSource = currentRandom()): tf.Tensor {
    if (!this.hasRsample) {
      fail(
        'no-rsample',
        `${this.name}: has no reparameterised sampler (rsample); use sample(), and a score-function ` +
          `gradient estimator for sites drawn from it`,
        this.name,
      );
    }
    return tf.tidy(() => this.draw(rng));
  }

  logProb(value: tf.Tensor): tf.Tensor {
    if (!(value instanceof tf.Tensor)) fail('invalid-argument', `${this.name}.logProb: the value must be a tf.Tensor (tf.scalar(x) for a number), got ${kindOf(value)}`, this.name);
    const outShape = logProbShape(this.name, value.shape, this.batchShape, this.eventShape);
    return tf.tidy(() => {
      const v = value.dtype === 'float32' ? value : tf.cast(value, 'float32');
      let lp: tf.Tensor;
      if (!this.masksSupport) {
        lp = this.logDensity(v);
      } else {
        const eventAxes = lastAxes(v.rank, this.eventShape.length);
        // NaN counts as inside so it propagates to the result instead of hiding as -Infinity.
        const ok = untaped(() => {
          const nan = tf.isNaN(v);
          return tf.logicalOr(this.admits(v), eventAxes.length ? tf.any(nan, eventAxes) : nan);
        });
        if (tf.all(ok).dataSync()[0] === 1) {
          // Every value is admissible (the usual case: one read is cheaper than the masked path's kernels
          // and their gradients), so the density itself is exact and its gradient clean.
          lp = this.logDensity(v);
        } else {
          let okValue = ok;
          for (let i = 0; i < eventAxes.length; i++) okValue = tf.expandDims(okValue, okValue.rank);
          // Evaluate the density at a safe point outside the support (the "double where"), so the unused
          // branch cannot put NaN into gradients.
          const safe = tf.where(okValue, v, this.interior());
          lp = tf.where(ok, this.logDensity(safe), tf.scalar(-Infinity));
        }
      }
      if (this.logDensityIsFresh && sameShape(lp.shape, outShape)) return lp;
      // Always a new tensor (broadcastTo clones when shapes agree): lp may be a parameter itself.
      return tf.broadcastTo(lp, outShape);
    });
  }

  expand(batchShape: readonly number[]): Distribution {
    const target = checkExpand(this.name, this.batchShape, batchShape);
    return sameShape(target, this.batchShape) ? this : this.withBatchShape(target);
  }

  toEvent(n: number): Distribution {
    return reinterpret(this, n);
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.meanValue(), this.fullShape));
  }

  variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.varianceValue(), this.fullShape));
  }
}
