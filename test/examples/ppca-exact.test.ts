import { describe, expect, it } from 'vitest';
import { exactGradTheta0, exactLogLikelihood } from '../../examples/ppca/model.js';

describe("ppca's exact marginal (the reference of examples/reproduce/ppca-gradients.ts)", () => {
  const dim = 3;
  const latent = 2;
  const theta1 = Float32Array.from([1.0, 0.4, -0.6, 0.2, -0.8, 0.5]);
  const x = Float32Array.from([1.1, -0.9, 0.7, -0.4, 0.6, -0.2]);
  const theta0 = Float32Array.from([0.5, -0.3, 0.2]);

  it('the theta0-gradient is the central difference of the log-likelihood (float64 of float32 inputs)', () => {
    const total = (t0: Float32Array): number => exactLogLikelihood(x, t0, theta1, latent) * (x.length / dim);
    const grad = exactGradTheta0(x, theta0, theta1, latent);
    for (let j = 0; j < dim; j++) {
      // A step float32 represents exactly on top of theta0_j, so the difference is of the inputs given.
      const h = 2 ** -10;
      const up = Float32Array.from(theta0);
      const down = Float32Array.from(theta0);
      up[j] = theta0[j]! + h;
      down[j] = theta0[j]! - h;
      const numeric = (total(up) - total(down)) / (up[j]! - down[j]!);
      expect(grad[j]!).toBeCloseTo(numeric, 4);
    }
  });

  it('is Sigma^-1 (x - theta0) summed: zero at the data mean', () => {
    const mean = Float32Array.from([0.35, -0.15, 0.25]);
    for (const g of exactGradTheta0(x, mean, theta1, latent)) expect(Math.abs(g)).toBeLessThan(1e-5);
  });
});
