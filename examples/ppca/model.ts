import * as tf from '@tensorflow/tfjs';
import { dist, observe, param, plate, sample, Stream } from '../../src/index.js';

/** Observation variance of Ruiz et al.'s PPCA (sec. 6.1): fixed, not learned. */
export const NOISE_VARIANCE = 0.1;

/** x @ w for x [..., n] and w [n, m], whatever the leading (particle, data) dims. */
function linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const [n, m] = w.shape as [number, number];
  const lead = x.shape.slice(0, -1);
  return tf.reshape(tf.matMul(tf.reshape(x, [-1, n]), w), [...lead, m]);
}

/**
 * Probabilistic PCA (Ruiz et al. 6.1): z ~ N(0, I_d), x | z ~ N(theta0 + theta1^T z, 0.1 I_D), so
 * log p(x) = log N(x; theta0, theta1^T theta1 + 0.1 I) exactly. The guide is amortised and linear,
 * q(z | x) = N(x A + b, diag(s^2)): the exact posterior has that mean form (its covariance is full, so
 * the guide is close but not exact and the bounds stay strict).
 */
export function ppca(options: { readonly dim: number; readonly latent: number; readonly initSeed?: string }) {
  const { dim, latent } = options;
  // Initial loadings from a seeded stream: zero loadings would make z's gradient vanish.
  const init = Stream.fromSeed(options.initSeed ?? 'ppca-init');
  const loadings = Float32Array.from({ length: latent * dim }, () => 0.1 * init.normal());

  const model = (x: tf.Tensor): void => {
    const theta0 = param('theta0', () => tf.zeros([dim]));
    const theta1 = param('theta1', () => tf.tensor2d(loadings, [latent, dim]));
    plate('data', x.shape[0]!, () => {
      const z = sample('z', dist.normal(tf.zeros([latent]), 1).toEvent(1));
      observe('x', dist.normal(tf.add(theta0, linear(z, theta1)), Math.sqrt(NOISE_VARIANCE)).toEvent(1), x);
    });
  };

  const guide = (x: tf.Tensor): void => {
    const a = param('encoder.a', () => tf.zeros([dim, latent]));
    const b = param('encoder.b', () => tf.zeros([latent]));
    const s = param('encoder.scale', () => tf.ones([latent]), { constraint: 'positive' });
    plate('data', x.shape[0]!, () => {
      sample('z', dist.normal(tf.add(linear(x, a), b), s).toEvent(1));
    });
  };
  return { model, guide };
}

/** The Cholesky factor L (row-major, lower) of Sigma = theta1^T theta1 + 0.1 I, in float64. */
function marginalCholesky(theta1: Float32Array, latent: number, dim: number): Float64Array {
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      let s = i === j ? NOISE_VARIANCE : 0;
      for (let l = 0; l < latent; l++) s += theta1[l * dim + i]! * theta1[l * dim + j]!;
      cov[i * dim + j] = s;
    }
  }
  const chol = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i * dim + j]!;
      for (let l = 0; l < j; l++) s -= chol[i * dim + l]! * chol[j * dim + l]!;
      chol[i * dim + j] = i === j ? Math.sqrt(s) : s / chol[j * dim + j]!;
    }
  }
  return chol;
}

/** y = L^-1 (x_r - theta0) for row r of x: |y|^2 is the Mahalanobis term. */
function whitened(chol: Float64Array, x: Float32Array, r: number, theta0: Float32Array): Float64Array {
  const dim = theta0.length;
  const y = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    let s = x[r * dim + i]! - theta0[i]!;
    for (let l = 0; l < i; l++) s -= chol[i * dim + l]! * y[l]!;
    y[i] = s / chol[i * dim + i]!;
  }
  return y;
}

/**
 * Exact mean log N(x_i; theta0, theta1^T theta1 + 0.1 I) over the rows of `x` ([n, D] row-major),
 * in float64 on the host through a Cholesky factor (D is small).
 */
export function exactLogLikelihood(x: Float32Array, theta0: Float32Array, theta1: Float32Array, latent: number): number {
  const dim = theta0.length;
  const chol = marginalCholesky(theta1, latent, dim);
  let logDet = 0;
  for (let i = 0; i < dim; i++) logDet += 2 * Math.log(chol[i * dim + i]!);
  const rows = x.length / dim;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const y = whitened(chol, x, r, theta0);
    total += -0.5 * (dim * Math.log(2 * Math.PI) + logDet + y.reduce((a, v) => a + v * v, 0));
  }
  return total / rows;
}

/** Exact d/d theta0 of sum_i log p(x_i) = sum_i Sigma^-1 (x_i - theta0), in float64 (L^-T applied to y). */
export function exactGradTheta0(x: Float32Array, theta0: Float32Array, theta1: Float32Array, latent: number): Float64Array {
  const dim = theta0.length;
  const chol = marginalCholesky(theta1, latent, dim);
  const grad = new Float64Array(dim);
  for (let r = 0; r < x.length / dim; r++) {
    const y = whitened(chol, x, r, theta0);
    // Back-substitute L^T g = y.
    const g = new Float64Array(dim);
    for (let i = dim - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let l = i + 1; l < dim; l++) s -= chol[l * dim + i]! * g[l]!;
      g[i] = s / chol[i * dim + i]!;
    }
    for (let i = 0; i < dim; i++) grad[i] += g[i]!;
  }
  return grad;
}
