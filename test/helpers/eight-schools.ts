import * as tf from '@tensorflow/tfjs';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { plate } from '../../src/index.js';
import { halfCauchy, lognormal, normal } from '../../src/dsl/distributions/index.js';

/**
 * Eight schools (Rubin 1981), non-centred, with the usual priors mu ~ N(0, 5), tau ~ HalfCauchy(0, 5):
 * theta_tilde_j ~ N(0, 1), y_j ~ N(mu + tau theta_tilde_j, sigma_j). (examples/eight-schools/model.ppl
 * is the same model in the language.)
 */
export const Y = [28, 8, -3, 7, -1, 1, 18, 12];
export const SIGMA = [15, 10, 16, 11, 9, 11, 10, 18];

export function eightSchoolsModel(y: tf.Tensor1D, sigma: tf.Tensor1D): void {
  const mu = sample('mu', normal(0, 5));
  const tau = sample('tau', halfCauchy(5));
  plate('schools', 8, () => {
    const thetaTilde = sample('thetaTilde', normal(0, 1));
    observe('y', normal(tf.add(mu, tf.mul(tau, thetaTilde)), sigma), y);
  });
}

/** Mean-field guide: normal for mu and each theta_tilde_j, lognormal for tau. */
export function eightSchoolsGuide(): void {
  const positive = { constraint: 'positive' } as const;
  sample('mu', normal(param('mu.loc', 0), param('mu.scale', 1, positive)));
  sample('tau', lognormal(param('tau.loc', 0), param('tau.scale', 1, positive)));
  plate('schools', 8, () => {
    sample('thetaTilde', normal(param('thetaTilde.loc', () => tf.zeros([8])), param('thetaTilde.scale', () => tf.ones([8]), positive)));
  });
}

/**
 * The exact posterior means and sds of mu and tau by quadrature: theta integrates out analytically,
 * y_j | mu, tau ~ N(mu, sigma_j^2 + tau^2), leaving a 2-d integral over (mu, log tau) on a fine grid
 * (mu in [-40, 50], log tau in [-12, log 400]; the posterior mass outside is negligible).
 */
export function eightSchoolsExact(): { mu: { mean: number; sd: number }; tau: { mean: number; sd: number } } {
  const nMu = 1201;
  const nU = 1601;
  const logPost = new Float64Array(nMu * nU);
  const mus = Float64Array.from({ length: nMu }, (_, i) => -40 + (90 * i) / (nMu - 1));
  const taus = Float64Array.from({ length: nU }, (_, j) => Math.exp(-12 + ((Math.log(400) + 12) * j) / (nU - 1)));
  let max = -Infinity;
  for (let i = 0; i < nMu; i++) {
    for (let j = 0; j < nU; j++) {
      const mu = mus[i]!;
      const tau = taus[j]!;
      // Prior on (mu, log tau): N(mu; 0, 5) HC(tau; 5) tau (the Jacobian of log tau).
      let lp = -0.5 * (mu / 5) ** 2 - Math.log1p((tau / 5) ** 2) + Math.log(tau);
      for (let k = 0; k < 8; k++) {
        const v = SIGMA[k]! ** 2 + tau * tau;
        lp += -0.5 * Math.log(v) - (0.5 * (Y[k]! - mu) ** 2) / v;
      }
      logPost[i * nU + j] = lp;
      if (lp > max) max = lp;
    }
  }
  let z = 0;
  const m = { mu: 0, mu2: 0, tau: 0, tau2: 0 };
  for (let i = 0; i < nMu; i++) {
    for (let j = 0; j < nU; j++) {
      const p = Math.exp(logPost[i * nU + j]! - max);
      z += p;
      m.mu += p * mus[i]!;
      m.mu2 += p * mus[i]! ** 2;
      m.tau += p * taus[j]!;
      m.tau2 += p * taus[j]! ** 2;
    }
  }
  const moments = (a: number, b: number) => ({ mean: a / z, sd: Math.sqrt(b / z - (a / z) ** 2) });
  return { mu: moments(m.mu, m.mu2), tau: moments(m.tau, m.tau2) };
}
