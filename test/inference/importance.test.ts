import * as tf from '@tensorflow/tfjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { adam, importance, iwae, summary, svi } from '../../src/inference/index.js';
import { getParamStore, plate } from '../../src/index.js';
import { eightSchoolsExact, eightSchoolsGuide, eightSchoolsModel, SIGMA, Y } from '../helpers/eight-schools.js';

/**
 * Importance reweighting (PSIS) of guide draws: eight schools from an IWAE-trained guide against
 * quadrature, conjugate models with guides narrower and wider than the posterior, per-datapoint
 * weights, seeds, chunks, memory and errors.
 */

beforeEach(() => getParamStore().clear());

/** |estimate - exact| within z Monte Carlo standard errors. */
function expectWithin(estimate: number, se: number, exact: number, label: string, z = 3): void {
  expect(Math.abs(estimate - exact), `${label}: ${estimate} vs exact ${exact} (s.e. ${se}, ${(Math.abs(estimate - exact) / se).toFixed(2)} s.e.)`).toBeLessThan(z * se);
}

describe('eight schools', () => {
  it('reweighting an IWAE-trained guide recovers the exact posterior moments of mu and tau (within 3 s.e.); its own draws do not', () => {
    const exact = eightSchoolsExact();
    // The well-known values for this model (non-centred, mu ~ N(0, 5), tau ~ HalfCauchy(5)).
    expect(exact.mu.mean).toBeCloseTo(4.4, 1);
    expect(exact.mu.sd).toBeCloseTo(3.32, 2);
    expect(exact.tau.mean).toBeCloseTo(3.6, 1);
    expect(exact.tau.sd).toBeCloseTo(3.22, 2);
    const y = tf.tensor1d(Y);
    const sigma = tf.tensor1d(SIGMA);
    const fit = svi(eightSchoolsModel, eightSchoolsGuide, { estimator: iwae({ k: 10 }), optimizer: adam({ lr: 0.01 }), seed: 0 });
    for (let i = 0; i < 3000; i++) fit.step(y, sigma);

    const reweighted = importance(eightSchoolsModel, eightSchoolsGuide, [y, sigma], { draws: 20000, seed: 1 });
    expect(reweighted.diagnostics.khat).toBeLessThan(reweighted.diagnostics.khatThreshold);
    expect(reweighted.warnings).toEqual([]);
    const site = (name: string) => reweighted.moments.find((m) => m.name === name)!;
    for (const name of ['mu', 'tau'] as const) {
      expectWithin(site(name).mean[0]!, site(name).mcseMean[0]!, exact[name].mean, `${name} mean`);
      expectWithin(site(name).sd[0]!, site(name).mcseSd[0]!, exact[name].sd, `${name} sd`);
    }
    // The test can fail: the guide's own draws (a proposal, not the posterior) are far off for tau.
    const plain = summary({ model: eightSchoolsModel, guide: eightSchoolsGuide }, [y, sigma], { draws: 20000, seed: 1 });
    const tau = plain.sites.find((m) => m.name === 'tau')!;
    expect(Math.abs(tau.sd[0]! - exact.tau.sd)).toBeGreaterThan(3 * tau.mcseSd[0]!);
    // summary({ reweight: true }) is importance's moments.
    const viaSummary = summary({ model: eightSchoolsModel, guide: eightSchoolsGuide }, [y, sigma], { draws: 20000, seed: 1, reweight: true });
    expect(viaSummary.sites.find((m) => m.name === 'tau')!.mean[0]).toBe(site('tau').mean[0]);
    expect(viaSummary.diagnostics?.khat).toBe(reweighted.diagnostics.khat);
    y.dispose();
    sigma.dispose();
  }, 60_000);
});

/** mu ~ N(0, 1), x_i ~ N(mu, 1) for 4 points: the posterior is N(sum x / 5, 1 / 5). */
const xs = [0.9, 1.7, 0.4, 1.2];
const postMean = xs.reduce((a, b) => a + b) / 5;
const postSd = Math.sqrt(1 / 5);
const conjugate = (x: tf.Tensor1D): void => {
  const mu = sample('mu', normal(0, 1));
  plate('data', 4, () => observe('x', normal(mu, 1), x));
};
/** A fixed guide: N(posterior mean, widen * posterior sd). */
const fixedGuide = (widen: number) => (_x: tf.Tensor1D): void => {
  sample('mu', normal(postMean, widen * postSd));
};

describe('importance on a conjugate model', () => {
  it('a wider proposal: small k-hat, moments within 3 s.e. of the exact posterior', () => {
    const x = tf.tensor1d(xs);
    const r = importance(conjugate, fixedGuide(2), [x], { draws: 8000, seed: 3 });
    expect(r.diagnostics.khat).toBeLessThan(0.3);
    const mu = r.moments[0]!;
    expectWithin(mu.mean[0]!, mu.mcseMean[0]!, postMean, 'mean');
    expectWithin(mu.sd[0]!, mu.mcseSd[0]!, postSd, 'sd');
    // Quantiles of N(m, s): m -+ 1.6449 s (quantile errors are not reported: a loose absolute check).
    expect(mu.quantiles[0]![0]).toBeCloseTo(postMean - 1.6449 * postSd, 1);
    expect(mu.quantiles[2]![0]).toBeCloseTo(postMean + 1.6449 * postSd, 1);
    // log mean w estimates log p(x) = log N(x; 0, I + 11^T); its s.e. (delta method) is sd(w) / (mean(w) sqrt S).
    const w = Array.from(r.logWeights, Math.exp);
    const meanW = w.reduce((a, b) => a + b, 0) / w.length;
    const sdW = Math.sqrt(w.reduce((a, v) => a + (v - meanW) ** 2, 0) / (w.length - 1));
    expectWithin(r.diagnostics.logMarginal, sdW / meanW / Math.sqrt(w.length), evidence(xs), 'log p(x)');
    // Weights sum to one and the draws come back.
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(r.sites[0]!.values.length).toBe(8000);
    x.dispose();
  });

  it('the exact posterior as proposal: equal weights, ESS = S', () => {
    const x = tf.tensor1d(xs);
    const r = importance(conjugate, fixedGuide(1), [x], { draws: 2000, seed: 4 });
    // log w = log p(x) up to float32 rounding: all but equal.
    expect(r.diagnostics.ess).toBeGreaterThan(1999);
    x.dispose();
  });

  it('a narrower proposal: k-hat above the threshold and a warning', () => {
    const x = tf.tensor1d(xs);
    const r = importance(conjugate, fixedGuide(0.4), [x], { draws: 4000, seed: 5 });
    // N(0, 0.16) for N(0, 1) in standardised units: the weights' tail shape is 1 - 0.16 = 0.84.
    expect(r.diagnostics.khat).toBeGreaterThan(0.7);
    expect(r.warnings.join('\n')).toMatch(/Pareto k-hat 0\.\d\d is above 0\.70.*cannot be trusted/);
    x.dispose();
  });
});

/** log N(x; 0, I + 11^T): the inverse is I - 11^T / (1 + n) and the determinant 1 + n. */
function evidence(x: readonly number[]): number {
  const n = x.length;
  const sum = x.reduce((a, b) => a + b, 0);
  const quad = x.reduce((a, v) => a + v * v, 0) - (sum * sum) / (1 + n);
  return -0.5 * quad - 0.5 * Math.log(1 + n) - (n / 2) * Math.log(2 * Math.PI);
}

describe('per-datapoint weights', () => {
  it('local latents get their own datapoint weights: z_i | x_i ~ N(x_i / 2, 1 / 2)', () => {
    const data = [2.0, -1.0, 0.5];
    const model = (x: tf.Tensor1D): void => {
      plate('data', 3, () => {
        const z = sample('z', normal(0, 1));
        observe('x', normal(z, 1), x);
      });
    };
    const guide = (): void => {
      plate('data', 3, () => {
        sample('z', normal(tf.zeros([3]), 1.2));
      });
    };
    const x = tf.tensor1d(data);
    const r = importance(model, guide, [x], { draws: 6000, seed: 6 });
    expect(r.datapoints).toBe(3);
    expect(r.diagnostics.perDatapoint.khat).toHaveLength(3);
    const z = r.moments[0]!;
    expect(z.shape).toEqual([3]);
    data.forEach((xi, i) => {
      expectWithin(z.mean[i]!, z.mcseMean[i]!, xi / 2, `z[${i}] mean`);
      expectWithin(z.sd[i]!, z.mcseSd[i]!, Math.SQRT1_2, `z[${i}] sd`);
    });
    // Each datapoint's weights sum to one.
    for (let j = 0; j < 3; j++) {
      let total = 0;
      for (let s = 0; s < 6000; s++) total += r.weights[s * 3 + j]!;
      expect(total).toBeCloseTo(1, 10);
    }
    x.dispose();
  });
});

describe('reproducible, chunked, leak-free', () => {
  it('the same seed gives the same numbers whatever the chunk size; numTensors stays flat', () => {
    const x = tf.tensor1d(xs);
    const a = importance(conjugate, fixedGuide(1.5), [x], { draws: 1500, seed: 7 });
    const b = importance(conjugate, fixedGuide(1.5), [x], { draws: 1500, seed: 7, chunk: 200 });
    expect(Array.from(b.logWeights)).toEqual(Array.from(a.logWeights));
    expect(b.moments[0]!.mean).toEqual(a.moments[0]!.mean);
    const c = importance(conjugate, fixedGuide(1.5), [x], { draws: 1500, seed: 8 });
    expect(c.moments[0]!.mean).not.toEqual(a.moments[0]!.mean);
    const loop = importance(conjugate, fixedGuide(1.5), [x], { draws: 50, seed: 7, vectorize: false });
    expect(Array.from(loop.logWeights)).toEqual(Array.from(a.logWeights.slice(0, 50)).map((v) => expect.closeTo(v, 4)));
    const before = tf.memory().numTensors;
    importance(conjugate, fixedGuide(1.5), [x], { draws: 500, seed: 9, chunk: 100 });
    summary({ model: conjugate, guide: fixedGuide(1.5) }, [x], { draws: 500, seed: 9 });
    summary(fixedGuide(1.5), [x], { draws: 500, seed: 9 });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('bad input', () => {
  it('names the option or argument and says what to do', () => {
    const x = tf.tensor1d(xs);
    expect(() => importance(conjugate, fixedGuide(1), [x], { draws: 0 })).toThrow(/importance: option draws must be an integer >= 1/);
    expect(() => importance(conjugate, fixedGuide(1), [x], { draw: 10 } as never)).toThrow(/unknown option 'draw' \(did you mean 'draws'\?\)/);
    expect(() => summary(fixedGuide(1), [x], { reweight: true })).toThrow(/reweight needs the model.*summary\(\{ model, guide \}/);
    expect(() => summary(fixedGuide(1), [x], { probs: [0.5, 2] })).toThrow(/probs must be a non-empty array of quantile levels in \(0, 1\)/);
    expect(() => summary(42 as never, [x])).toThrow(/source must be a guide function or \{ model, guide \}/);
    const guide = (): void => {
      sample('mu', normal(param('loc', 0), 1));
    };
    expect(() => importance(subsampledModel, guide, [x], { draws: 50, seed: 1 })).toThrow(/a plate subsamples.*plate without \{ subsample \}/);
    x.dispose();
  });
});

/** The conjugate model on minibatches of 2 of its 4 points. */
function subsampledModel(data: tf.Tensor1D): void {
  const mu = sample('mu', normal(0, 1));
  plate('data', 4, (idx) => observe('x', normal(mu, 1), tf.gather(data, idx)), { subsample: 2 });
}
