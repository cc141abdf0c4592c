import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { MultivariateNormal } from '../../src/dsl/distributions/multivariate-normal.js';
import { gradients, iwae } from '../../src/inference/index.js';
import { clearParamStore, seed, trace } from '../../src/runtime/index.js';
import { vae } from '../../examples/vae-mnist/model.js';

afterAll(() => clearParamStore());

/** log N(z; loc, L L^T) for one datapoint, by forward substitution in plain numbers. */
function mvnLogDensity(z: number[], loc: number[], l: number[][]): number {
  const d = z.length;
  const eps: number[] = [];
  let logDet = 0;
  for (let i = 0; i < d; i++) {
    let r = z[i]! - loc[i]!;
    for (let j = 0; j < i; j++) r -= l[i]![j]! * eps[j]!;
    eps.push(r / l[i]![i]!);
    logDet += Math.log(l[i]![i]!);
  }
  return -0.5 * eps.reduce((a, e) => a + e * e, 0) - logDet - 0.5 * d * Math.log(2 * Math.PI);
}

describe('the image VAE with a full-covariance guide', () => {
  const latent = 4;
  const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([3, 784], 0, 1, 'float32', 7), 0.5), 'float32'));

  it('draws from a lower Cholesky factor diag(scale) (I + strictly lower) and scores with its density', () => {
    clearParamStore();
    const { model, guide } = vae({ latent, hidden: [8], guideCovariance: 'full' });
    const { loss } = gradients(model, guide, [x], { estimator: iwae({ k: 4 }), seed: 1 });
    expect(Number.isFinite(loss)).toBe(true);
    const site = trace(seed(guide, 2)).getTrace(x).sample('z');
    const fn = site.fn as unknown as MultivariateNormal;
    const tril = fn.scaleTril.arraySync() as number[][][];
    const loc = fn.loc.arraySync() as number[][];
    const z = site.value.arraySync() as number[][];
    const logProb = site.logProb.arraySync() as number[];
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < latent; i++) {
        expect(tril[b]![i]![i]!).toBeGreaterThan(0);
        for (let j = i + 1; j < latent; j++) expect(tril[b]![i]![j]!).toBe(0);
      }
      expect(tril[b]!.some((row, i) => row.some((v, j) => j < i && v !== 0))).toBe(true); // correlated
      expect(logProb[b]!).toBeCloseTo(mvnLogDensity(z[b]!, loc[b]!, tril[b]!), 3);
    }
  });
});
