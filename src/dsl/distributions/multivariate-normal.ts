import * as tf from '@tensorflow/tfjs';
import { real, type Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { RandomSource } from '../../runtime/rng.js';
import { cholesky, diagMatrix, diagPart, lowerTriangle, matVec, solveLowerTriangular } from '../math/linalg.js';
import { LOG_2PI } from '../math/special.js';
import { requireRank, toParam, validateRelation } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { reinterpretConstraint } from './independent.js';
import { broadcastArgs, shapeString } from './shapes.js';

/** The scale of a multivariate normal: a lower Cholesky factor, a covariance, or a diagonal scale. */
export type MvnScale =
  | { scaleTril: TensorLike; covariance?: never; scaleDiag?: never }
  | { covariance: TensorLike; scaleTril?: never; scaleDiag?: never }
  | { scaleDiag: TensorLike; scaleTril?: never; covariance?: never };

/** Internal: a full lower-triangular factor, or the diagonal fast path (no substitution loop). */
type Scale = { kind: 'tril'; tril: tf.Tensor } | { kind: 'diag'; diag: tf.Tensor };

const realVector: Constraint = reinterpretConstraint(real, 1);

/** The multivariate normal law with event shape [d]. */
export class MultivariateNormal extends DistributionBase {
  readonly name = 'multivariateNormal';
  readonly support = realVector;
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly loc: tf.Tensor,
    private readonly scale: Scale,
    batchShape: readonly number[],
    dim: number,
  ) {
    super(batchShape, [dim]);
  }

  /** The lower Cholesky factor of the covariance, [..., d, d] (built anew for a diagonal scale). */
  get scaleTril(): tf.Tensor {
    return this.scale.kind === 'tril' ? this.scale.tril : diagMatrix(this.scale.diag);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    const eps = rng.normal(this.fullShape);
    const noise = this.scale.kind === 'diag' ? tf.mul(this.scale.diag, eps) : matVec(this.scale.tril, eps);
    return tf.add(this.loc, noise);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const d = this.eventShape[0]!;
    const diff = tf.sub(x, this.loc);
    const [z, diag] =
      this.scale.kind === 'diag'
        ? [tf.div(diff, this.scale.diag), this.scale.diag]
        : [solveLowerTriangular(this.scale.tril, diff), diagPart(this.scale.tril)];
    const mahalanobis = tf.sum(tf.square(z), z.rank - 1);
    const logDet = tf.sum(tf.log(diag), diag.rank - 1);
    return tf.sub(tf.mul(mahalanobis, -0.5), tf.add(logDet, 0.5 * d * LOG_2PI));
  }

  protected meanValue(): tf.Tensor {
    return this.loc;
  }

  /** The marginal variances: the diagonal of L L^T. */
  protected varianceValue(): tf.Tensor {
    if (this.scale.kind === 'diag') return tf.square(this.scale.diag);
    const l = this.scale.tril;
    return tf.sum(tf.square(lowerTriangle(l)), l.rank - 1);
  }

  protected withBatchShape(batchShape: readonly number[]): MultivariateNormal {
    return new MultivariateNormal(this.loc, this.scale, batchShape, this.eventShape[0]!);
  }
}

/**
 * The multivariate normal distribution over vectors (event shape [d]) with mean `loc` ([..., d], or a
 * number for a constant mean) and one of:
 * - `{ scaleTril }`: the lower Cholesky factor L ([..., d, d], positive diagonal; entries above the
 *   diagonal are ignored), covariance L L^T;
 * - `{ covariance }`: a symmetric positive-definite [..., d, d] matrix, factorised here by a
 *   differentiable Cholesky in tensor ops (O(d) ops; a non-positive-definite matrix gives NaN);
 * - `{ scaleDiag }`: standard deviations [..., d] (a diagonal covariance; fastest).
 * Batch shape broadcasts loc's leading dims with the scale's. Reparameterised.
 *
 * @example
 * const z = sample('z', dist.multivariateNormal(tf.zeros([2]), { covariance: tf.tensor([[1, 0.5], [0.5, 1]]) }));
 */
export function multivariateNormal(loc: TensorLike, scale: MvnScale): MultivariateNormal {
  const name = 'multivariateNormal';
  const given = (['scaleTril', 'covariance', 'scaleDiag'] as const).filter((k) => scale[k] !== undefined);
  if (given.length !== 1) {
    fail(
      'invalid-argument',
      `${name}: give exactly one of { scaleTril }, { covariance } or { scaleDiag }, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      name,
    );
  }
  const key = given[0]!;
  const m = toParam(name, 'loc', loc, 'real');
  let s: Scale;
  let dim: number;
  let scaleBatch: number[];
  if (key === 'scaleDiag') {
    const diag = toParam(name, key, scale.scaleDiag!, 'positive');
    requireRank(name, key, diag, 1, 'the d standard deviations on the last dim');
    dim = diag.shape[diag.rank - 1]!;
    scaleBatch = diag.shape.slice(0, -1);
    s = { kind: 'diag', diag };
  } else {
    const matrix = toParam(name, key, key === 'scaleTril' ? scale.scaleTril! : scale.covariance!, 'real');
    requireRank(name, key, matrix, 2, 'a [..., d, d] matrix');
    dim = matrix.shape[matrix.rank - 1]!;
    if (matrix.shape[matrix.rank - 2] !== dim) {
      fail('shape-mismatch', `${name}: ${key} must be square in its last two dims, got shape ${shapeString(matrix.shape)}`, `${name}.${key}`);
    }
    scaleBatch = matrix.shape.slice(0, -2);
    const tril = key === 'scaleTril' ? matrix : cholesky(matrix);
    validateRelation(name, key, `${key} must give a lower Cholesky factor with a positive diagonal`, () =>
      tf.greater(diagPart(tril), 0),
    );
    s = { kind: 'tril', tril };
  }
  const locBatch = m.rank === 0 ? [] : m.shape.slice(0, -1);
  if (m.rank > 0 && m.shape[m.rank - 1] !== dim) {
    fail(
      'shape-mismatch',
      `${name}: loc of shape ${shapeString(m.shape)} must end in the dimension d = ${dim} of ${key}`,
      `${name}.loc`,
    );
  }
  return new MultivariateNormal(m, s, broadcastArgs(name, [['loc', locBatch], [key, scaleBatch]]), dim);
}
