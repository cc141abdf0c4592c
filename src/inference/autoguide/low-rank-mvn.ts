import * as tf from '@tensorflow/tfjs';
import { DistributionBase } from '../../dsl/distributions/base.js';
import { reinterpretConstraint } from '../../dsl/distributions/independent.js';
import { cholesky, diagPart, matVec, solveLowerTriangular } from '../../dsl/math/linalg.js';
import { LOG_2PI } from '../../dsl/math/special.js';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';

/**
 * The normal law on R^D with covariance W W^T + diag(d)^2 (W: [D, r], r << D): O(D r^2) per density
 * instead of O(D^3), through the Woodbury identity and the matrix determinant lemma with the r x r
 * capacitance matrix C = I + W^T diag(d)^-2 W:
 *   log det S = 2 sum log d + log det C,   r^T S^-1 r = |r / d|^2 - |L_C^-1 W^T (r / d^2)|^2.
 *
 * @example
 * const q = new LowRankMultivariateNormal(tf.zeros([3]), tf.tensor2d([[1], [0.5], [-1]]), tf.ones([3]));
 * q.logProb(q.rsample()); // a scalar
 */
export class LowRankMultivariateNormal extends DistributionBase {
  readonly name = 'lowRankMultivariateNormal';
  readonly support = reinterpretConstraint(real, 1);
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly loc: tf.Tensor,
    readonly covFactor: tf.Tensor,
    readonly scaleDiag: tf.Tensor,
    batchShape: readonly number[] = [],
  ) {
    super(batchShape, [loc.shape[loc.rank - 1]!]);
  }

  get rank(): number {
    return this.covFactor.shape[1]!;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    const low = rng.normal([...this.batchShape, this.rank]);
    const diagonal = rng.normal(this.fullShape);
    return tf.add(this.loc, tf.add(matVec(this.covFactor, low), tf.mul(this.scaleDiag, diagonal)));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const d = this.eventShape[0]!;
    const diff = tf.sub(x, this.loc);
    const precision = tf.reciprocal(tf.square(this.scaleDiag)); // [D]
    const scaledFactor = tf.mul(this.covFactor, tf.expandDims(precision, 1)); // diag(d)^-2 W
    const capacitance = tf.add(tf.eye(this.rank), tf.matMul(this.covFactor, scaledFactor, true, false));
    const lc = cholesky(capacitance);
    const projected = matVec(tf.transpose(scaledFactor), diff); // W^T diag(d)^-2 r: [..., r]
    const z = solveLowerTriangular(lc, projected);
    const lastAxis = (t: tf.Tensor): number => t.rank - 1;
    const mahalanobis = tf.sub(tf.sum(tf.mul(tf.square(diff), precision), lastAxis(diff)), tf.sum(tf.square(z), lastAxis(z)));
    const logDet = tf.add(tf.mul(2, tf.sum(tf.log(this.scaleDiag))), tf.mul(2, tf.sum(tf.log(diagPart(lc)))));
    return tf.mul(-0.5, tf.add(mahalanobis, tf.add(logDet, d * LOG_2PI)));
  }

  protected meanValue(): tf.Tensor {
    return this.loc;
  }

  protected varianceValue(): tf.Tensor {
    return tf.add(tf.square(this.scaleDiag), tf.sum(tf.square(this.covFactor), 1));
  }

  protected withBatchShape(batchShape: readonly number[]): LowRankMultivariateNormal {
    return new LowRankMultivariateNormal(this.loc, this.covFactor, this.scaleDiag, batchShape);
  }
}
