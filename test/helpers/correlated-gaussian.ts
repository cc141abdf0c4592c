import * as tf from '@tensorflow/tfjs';
import { normal } from '../../src/dsl/distributions/index.js';
import { factor, sample } from '../../src/dsl/primitives.js';

/**
 * A 100-d correlated Gaussian for MCMC tests and the bench: means spread over [-2.5, 2.45], sds from
 * 0.5 to 2 (log-spaced, so the mass matrix matters), AR(1) correlation rho^|i - j| with rho = 0.5.
 */
export const DIM = 100;
export const RHO = 0.5;
export const MEAN = Float64Array.from({ length: DIM }, (_, i) => i / 20 - 2.5);
export const SD = Float64Array.from({ length: DIM }, (_, i) => Math.exp(Math.log(0.5) + (Math.log(4) * i) / (DIM - 1)));

export const covariance = (i: number, j: number): number => RHO ** Math.abs(i - j) * SD[i]! * SD[j]!;

/**
 * The precision matrix: AR(1) correlation has a tridiagonal inverse, (1 / (1 - rho^2)) times 1 + rho^2
 * on the inner diagonal (1 at both ends) and -rho next to it, scaled by 1 / (sd_i sd_j).
 */
function precision(): Float64Array {
  const p = new Float64Array(DIM * DIM);
  const c = 1 / (1 - RHO * RHO);
  for (let i = 0; i < DIM; i++) {
    p[i * DIM + i] = (c * (i === 0 || i === DIM - 1 ? 1 : 1 + RHO * RHO)) / (SD[i]! * SD[i]!);
    if (i + 1 < DIM) {
      p[i * DIM + i + 1] = (-c * RHO) / (SD[i]! * SD[i + 1]!);
      p[(i + 1) * DIM + i] = p[i * DIM + i + 1]!;
    }
  }
  return p;
}

const precisionMatrix = tf.keep(tf.tensor2d(Float32Array.from(precision()), [DIM, DIM]));
const loc = tf.keep(tf.tensor1d(Float32Array.from(MEAN)));
const scale = tf.keep(tf.tensor1d(Float32Array.from(SD)));

/**
 * x ~ N(MEAN, Sigma), written as independent normals with the right sds plus a factor that turns their
 * density into the correlated one (log N(x; m, Sigma) - sum_i log N(x_i; m_i, sd_i), constants aside):
 * one matrix product per evaluation (tfjs's triangular solves for multivariateNormal are ~40x slower).
 */
export function correlatedGaussian(): void {
  const x = sample('x', normal(loc, scale).toEvent(1));
  const d = tf.sub(x, loc);
  const quadratic = tf.sum(tf.mul(d, tf.matMul(d.rank === 1 ? tf.reshape(d, [1, DIM]) : d, precisionMatrix).reshape(d.shape)), -1);
  const independent = tf.sum(tf.square(tf.div(d, scale)), -1);
  factor('correlation', tf.mul(-0.5, tf.sub(quadratic, independent)));
}
