import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bernoulli, gamma, normal, poisson } from '../../../src/dsl/distributions/index.js';
import { observe, sample } from '../../../src/dsl/primitives.js';
import { diagnose, essOf, hmc, mcmc, nuts, rhatOf, summary } from '../../../src/inference/index.js';
import { RouletteError } from '../../../src/runtime/errors.js';
import { plate } from '../../../src/index.js';
import { Stream } from '../../../src/runtime/rng.js';

/** The runner: a conjugate posterior through a positive support, seeds, the loop form, memory, errors. */

const counts = tf.tensor1d([3, 5, 2, 4, 6, 1]);
/** Gamma(2, 1) prior on a Poisson rate: the posterior is Gamma(2 + 21, 1 + 6). */
function rate(y: tf.Tensor1D): void {
  const lambda = sample('lambda', gamma(2, 1));
  plate('data', 6, () => observe('y', poisson(lambda), y));
}
const exactMean = 23 / 7;
const exactSd = Math.sqrt(23) / 7;

describe('mcmc', () => {
  it('a Gamma-Poisson posterior (positive latent, log-Jacobian) within 3 MC s.e., by NUTS and by HMC', async () => {
    for (const kernel of [nuts(), hmc({ steps: 5 })]) {
      const fit = await mcmc(rate, kernel, { chains: 4, warmup: 200, draws: 500, seed: 1 }).runAsync(counts);
      const s = summary(fit).sites[0]!;
      expect(Math.abs(s.mean[0]! - exactMean), `${kernel.name} mean ${s.mean[0]} ± ${s.mcseMean[0]}`).toBeLessThan(3 * s.mcseMean[0]!);
      expect(Math.abs(s.sd[0]! - exactSd), `${kernel.name} sd ${s.sd[0]} ± ${s.mcseSd[0]}`).toBeLessThan(3 * s.mcseSd[0]!);
      expect(s.rhat[0]).toBeLessThan(1.02); // 2,000 draws; eight-schools.test.ts holds NUTS to 1.01
      expect(fit.divergences).toBe(0);
    }
  });

  it('same seed, same draws; another seed, other draws; the loop form (vectorize: false) draws the same numbers', () => {
    const run = (seed: number, vectorize = true): Float32Array => mcmc(rate, nuts(), { chains: 3, warmup: 30, draws: 20, seed, vectorize }).run(counts).sites[0]!.values;
    const a = run(4);
    expect(Array.from(run(4))).toEqual(Array.from(a));
    expect(Array.from(run(5))).not.toEqual(Array.from(a));
    const loop = run(4, false);
    for (let i = 0; i < a.length; i++) expect(loop[i]).toBeCloseTo(a[i]!, 4);
  });

  it('runAsync: the same draws as run, and the event loop gets turns while it samples', async () => {
    const sampler = mcmc(rate, nuts(), { chains: 3, warmup: 200, draws: 200, seed: 4 });
    const sync = sampler.run(counts);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const started = Date.now();
    const result = await sampler.runAsync(counts);
    const ms = Date.now() - started;
    clearInterval(ticker);
    expect(Array.from(result.sites[0]!.values)).toEqual(Array.from(sync.sites[0]!.values));
    expect(result.modelEvaluations).toBe(sync.modelEvaluations);
    // A turn at least every 50 ms of sampling; run() itself would give none.
    expect(turns, `${turns} turns in ${ms} ms`).toBeGreaterThanOrEqual(Math.floor(ms / 100));
    expect(turns).toBeGreaterThan(0);
  });

  it('keeps no tensors: numTensors is flat across runs', () => {
    const sampler = mcmc(rate, nuts(), { chains: 2, warmup: 10, draws: 10, seed: 0 });
    sampler.run(counts);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) sampler.run(counts);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad input is an error naming it', () => {
    const fails = (f: () => unknown, pattern: RegExp): void => {
      expect(f).toThrow(RouletteError);
      expect(f).toThrow(pattern);
    };
    fails(() => nuts({ targetAccept: 1.5 }), /targetAccept must lie strictly between 0 and 1/);
    fails(() => nuts({ maxDepth: 5 } as never), /unknown option 'maxDepth'.*maxTreeDepth/);
    fails(() => hmc({ steps: 0 }), /steps must be an integer from 1/);
    fails(() => mcmc(rate, nuts(), { chain: 4 } as never), /unknown option 'chain'/);
    fails(() => mcmc(rate, nuts(), { draws: 2 }), /draws must be at least 4/);
    const discrete = (): void => {
      sample('z', bernoulli(0.3));
    };
    fails(() => mcmc(discrete, nuts()).run(), /site 'z' is discrete/);
    const impossible = (): void => {
      const m = sample('m', normal(0, 1));
      observe('y', normal(m, 1), tf.scalar(NaN));
    };
    fails(() => mcmc(impossible, nuts(), { chains: 1 }).run(), /no finite log density at 100 random initial values/);
  });
});

describe('R-hat and ESS (Vehtari et al. 2021)', () => {
  const ar1 = (rho: number, n: number, stream: Stream, shift = 0): Float64Array => {
    const x = new Float64Array(n);
    let prev = stream.normal();
    for (let t = 0; t < n; t++) {
      prev = rho * prev + Math.sqrt(1 - rho * rho) * stream.normal();
      x[t] = prev + shift;
    }
    return x;
  };

  it('AR(1) chains: ESS near N (1 - rho) / (1 + rho), R-hat near 1; shifted chains: R-hat well above 1', () => {
    const root = Stream.fromSeed(3);
    const rho = 0.8;
    // Over 20 replicates of 4 chains x 2000, the mean ESS ratio is within 10% of the exact one.
    const ratios: number[] = [];
    for (let r = 0; r < 20; r++) {
      const chains = Array.from({ length: 4 }, (_, c) => ar1(rho, 2000, root.split(r * 10 + c)));
      ratios.push(essOf(chains) / 8000);
      expect(rhatOf(chains)).toBeLessThan(1.01);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(Math.abs(mean - (1 - rho) / (1 + rho))).toBeLessThan(0.1 * ((1 - rho) / (1 + rho)));
    const shifted = Array.from({ length: 4 }, (_, c) => ar1(rho, 500, root.split(1000 + c), c === 0 ? 2 : 0));
    const d = diagnose(shifted);
    expect(d.rhat).toBeGreaterThan(1.1);
    expect(d.essBulk).toBeLessThan(0.1 * 2000);
  });
});
