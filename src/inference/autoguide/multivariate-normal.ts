import * as tf from '@tensorflow/tfjs';
import { multivariateNormal } from '../../dsl/distributions/multivariate-normal.js';
import { param } from '../../dsl/primitives.js';
import { positive, real } from '../../runtime/constraints.js';
import { currentRandom } from '../../runtime/rng.js';
import { existing, jointParam, sliceSize, type JointLaw } from './joint.js';
import { LowRankMultivariateNormal } from './low-rank-mvn.js';
import { fromHost, transformOf, type LatentSite } from './site.js';

/** Strictly-lower mask of an n x n matrix (constant). */
function strictlyLower(n: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greater(tf.expandDims(tf.range(0, n), 1), tf.expandDims(tf.range(0, n), 0)), 'float32'));
}

/**
 * The `multivariateNormal` family: u ~ N(loc, S) over all latents at once, in unconstrained space.
 * loc is made of `auto.loc.<site>`; the scale of each coordinate is `auto.scale.<site>` (positive).
 * Full rank: S^(1/2) = diag(scale) (I + strictly lower part of `auto.tril` [D, D]), a lower Cholesky
 * factor with the correlations in `auto.tril` (starting at 0: independent). Low rank r:
 * S = W W^T + diag(scale)^2 with W = `auto.covFactor` [D, r] (starting small and random: W = 0 is a
 * stationary point of the ELBO).
 */
export function multivariateNormalLaw(
  prefix: string,
  sites: readonly LatentSite[],
  initScale: number,
  rank: number | undefined,
): (read?: typeof existing) => JointLaw {
  const dim = sites.reduce((n, s) => n + sliceSize(s), 0);
  return (read) => {
    const get: typeof existing = read ?? ((name, init, c) => param(name, init, { constraint: c }));
    const loc = jointParam(prefix, 'loc', sites, real, (s) => transformOf(s).inverse(fromHost(s.init!)), get);
    const scale = jointParam(prefix, 'scale', sites, positive, (s) => tf.fill([...s.paramBatch, ...s.unconstrainedEvent], initScale), get);
    return {
      law: () => {
        if (rank !== undefined) {
          const factor = get(`${prefix}.covFactor`, () => randomFactor(dim, rank, initScale), real);
          return new LowRankMultivariateNormal(loc, factor, scale);
        }
        const tril = get(`${prefix}.tril`, () => tf.zeros([dim, dim]), real);
        const unitLower = tf.add(tf.mul(tril, strictlyLower(dim)), tf.eye(dim));
        return multivariateNormal(loc, { scaleTril: tf.mul(tf.expandDims(scale, 1), unitLower) });
      },
      centre: () => loc,
    };
  };
}

function randomFactor(dim: number, rank: number, initScale: number): tf.Tensor {
  const stream = currentRandom().shared;
  const values = Float32Array.from({ length: dim * rank }, () => (stream.normal() * initScale) / Math.sqrt(rank));
  return tf.tensor2d(values, [dim, rank]);
}
