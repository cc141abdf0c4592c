import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { normal } from '../../../src/dsl/distributions/index.js';
import { observe, sample } from '../../../src/dsl/primitives.js';
import { autoGuide } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import { drawWeighted } from '../../../src/inference/program.js';
import { clearParamStore, getParamStore, Stream } from '../../../src/runtime/index.js';
import { summarise } from '../../helpers/stats.js';
import { fit, regression } from './helpers.js';

afterEach(() => clearParamStore());

const read = (name: string): number[] => Array.from(getParamStore().variable(name).dataSync());

describe("the 'multivariateNormal' autoguide on Bayesian linear regression", () => {
  const r = regression();
  const exactCorrelation = r.cov[0]![1]! / Math.sqrt(r.cov[0]![0]! * r.cov[1]![1]!);

  /** The guide's covariance from its params: full rank, or rank r plus diagonal. */
  function guideCovariance(rank: number | undefined): number[][] {
    const scale = read('auto.scale.w').map(Math.exp);
    if (rank === undefined) {
      const t = read('auto.tril'); // [2, 2] row-major; the strictly lower entry is t[2]
      const l = [
        [scale[0]!, 0],
        [scale[1]! * t[2]!, scale[1]!],
      ];
      return [0, 1].map((i) => [0, 1].map((j) => l[i]![0]! * l[j]![0]! + l[i]![1]! * l[j]![1]!));
    }
    const w = read('auto.covFactor'); // [2, rank]
    return [0, 1].map((i) =>
      [0, 1].map((j) => {
        let s = i === j ? scale[i]! ** 2 : 0;
        for (let k = 0; k < rank; k++) s += w[i * rank + k]! * w[j * rank + k]!;
        return s;
      }),
    );
  }

  it.each([
    ['full rank', undefined],
    ['rank 1 plus diagonal', 1],
  ] as const)('%s: recovers the posterior correlation within 0.05 (and the mean)', (_name, rank) => {
    const guide = autoGuide(r.model, rank === undefined ? { family: 'multivariateNormal' } : { family: 'multivariateNormal', rank });
    fit(r.model, guide, [r.X, r.y], { steps: 400, estimator: elbo({ particles: 8 }), lr: 0.05, average: 0.3 });
    const cov = guideCovariance(rank);
    const correlation = cov[0]![1]! / Math.sqrt(cov[0]![0]! * cov[1]![1]!);
    expect(Math.abs(correlation - exactCorrelation), `correlation ${correlation} vs exact ${exactCorrelation}`).toBeLessThan(0.05);
    const loc = read('auto.loc.w');
    loc.forEach((v, i) => expect(Math.abs(v - r.postMean[i]!), `mean ${i}`).toBeLessThan(0.02));
    expect(Math.abs(exactCorrelation)).toBeGreaterThan(0.3); // the test means something
  });
});

describe("the 'flow' autoguide", () => {
  // A banana: z2 is pinned near z1^2 by the observation, so the posterior curves.
  const model = (): void => {
    const z1 = sample('z1', normal(0, 1));
    const z2 = sample('z2', normal(0, 2));
    observe('x', normal(tf.sub(z2, tf.square(z1)), 0.3), 0);
  };

  /** log p(x) by quadrature on a grid (the ELBO of any guide lies below it). */
  function exactLogMarginal(): number {
    const logN = (v: number, m: number, s: number): number => -0.5 * ((v - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    const h = 0.02;
    let total = 0;
    for (let a = -6; a <= 6; a += h) for (let b = -4; b <= 12; b += h) total += Math.exp(logN(a, 0, 1) + logN(b, 0, 2) + logN(0, b - a * a, 0.3));
    return Math.log(total * h * h);
  }

  it('reaches a higher ELBO than the normal guide on a banana-shaped posterior, and stays below log p(x)', () => {
    const results: Record<string, { mean: number; se: number }> = {};
    for (const family of ['normal', 'flow'] as const) {
      clearParamStore();
      const guide = autoGuide(model, family === 'flow' ? { family, layers: 2, hidden: [16] } : { family });
      fit(model, guide, [], { steps: family === 'flow' ? 800 : 300, estimator: elbo({ particles: 8 }), lr: 0.05, seed: 2 });
      // The ELBO of the fitted guide: the mean of log w over 4000 fresh draws.
      const logW = tf.tidy(() => Array.from(drawWeighted({ model, guide, args: [], vectorize: true }, 4000, Stream.fromSeed(100)).logWeights().dataSync()));
      results[family] = summarise(logW);
    }
    const [flow, normalGuide] = [results['flow']!, results['normal']!];
    const logP = exactLogMarginal();
    const se = Math.hypot(flow.se, normalGuide.se);
    expect(flow.mean - normalGuide.mean, `flow ${flow.mean} vs normal ${normalGuide.mean} (s.e. ${se}), log p(x) ${logP}`).toBeGreaterThan(Math.max(0.1, 4 * se));
    // A correct log q keeps every ELBO below log p(x).
    expect(flow.mean).toBeLessThan(logP + 4 * flow.se);
  });
});
