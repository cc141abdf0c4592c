import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import { check, compile } from '../../../src/dsl/lang/index.js';
import { autoGuide } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import { adam } from '../../../src/inference/optim.js';
import { svi } from '../../../src/inference/svi.js';
import { clearParamStore, condition, seed, trace } from '../../../src/runtime/index.js';

/** halfNormal, halfCauchy, cauchy and truncatedNormal in .ppl files: checking, scoring, fitting. */

afterEach(() => clearParamStore());

const codes = (text: string): string[] => check(text).diagnostics.map((d) => `${d.severity}:${d.code}`);

describe('the checker', () => {
  it('accepts the prior distributions, positionally and by name, with one-sided truncations', () => {
    const text = `
      data y: real[N]
      model {
        tau ~ halfCauchy(2.5)
        sigma ~ halfNormal(scale = 1)
        shift ~ cauchy(0, tau)
        mu ~ truncatedNormal(shift, 1, low = 0)
        w ~ truncatedNormal(0, 1, -1, 1)[3]
        v ~ truncatedNormal(loc = 0, scale = 2, high = 5)
        plate data(N) { y ~ normal(mu + sum(w) + v, sigma) }
      }
      guide {
        tau ~ lognormal(0, 1)
        sigma ~ halfNormal(1)
        shift ~ cauchy(0, 1)
        mu ~ truncatedNormal(1, 1, low = 0)
        w ~ uniform(-1, 1)[3]
        v ~ normal(0, 1)
      }`;
    expect(check(text).diagnostics).toEqual([]);
  });

  it('reports bad constants, swapped bounds and misspelt names', () => {
    const model = (prior: string): string => `model { s ~ ${prior} }\nguide { s ~ lognormal(0, 1) }`;
    expect(codes(model('halfNormal(-1)'))).toEqual(['error:invalid-value']);
    expect(codes(model('halfCauchy(0)'))).toEqual(['error:invalid-value']);
    expect(codes(model('cauchy(0, -2)'))).toEqual(['error:invalid-value']);
    const swapped = check(model('truncatedNormal(0, 1, 2, 1)')).diagnostics;
    expect(swapped.map((d) => d.code)).toEqual(['invalid-value']);
    expect(swapped[0]!.message).toBe('truncatedNormal: low must be less than high, got low = 2, high = 1');
    expect(codes(model('truncatedNormal(0, 1)'))).toEqual([]); // no bounds: a normal
    expect(codes(model('truncatedNormal(0)'))).toEqual(['error:missing-argument']);
    const misspelt = check(model('half_normal(1)')).diagnostics[0]!;
    expect(misspelt.code).toBe('unknown-distribution');
    expect(misspelt.hint).toBe("did you mean 'halfNormal'?");
    expect(check(model('truncnorm(0, 1, 0)')).diagnostics[0]!.hint).toBe("did you mean 'truncatedNormal'?");
  });

  it('knows where draws live: a guide over all of R for a half-normal latent is an error, a positive truncation is not', () => {
    const text = (guide: string): string => `model { s ~ halfNormal(1) }\nguide { s ~ ${guide} }`;
    expect(codes(text('normal(0, 1)'))).toEqual(['error:support-mismatch']);
    expect(codes(text('cauchy(0, 1)'))).toEqual(['error:support-mismatch']);
    expect(codes(text('truncatedNormal(1, 1, low = 0)'))).toEqual([]);
    expect(codes(text('truncatedNormal(1, 1, low = -1)'))).toEqual(['error:support-mismatch']);
    expect(codes(text('halfCauchy(1)'))).toEqual([]);
    // A model over an interval accepts any continuous guide draw (the checker cannot compare bounds).
    expect(codes(`model { s ~ truncatedNormal(0, 1, 0, 1) }\nguide { s ~ beta(2, 2) }`)).toEqual([]);
  });
});

describe('compiled programs score draws as the library does', () => {
  it('log densities of every site equal the TypeScript distributions', () => {
    const { model } = compile(`
      data y: real[N]
      model {
        tau ~ halfCauchy(2.5)
        sigma ~ halfNormal(1.5)
        shift ~ cauchy(-1, tau)
        mu ~ truncatedNormal(shift, 2, low = 0)
        w ~ truncatedNormal(0, 1, -1, 1)[3]
        plate data(N) { y ~ normal(mu + sum(w), sigma) }
      }
      guide { tau ~ lognormal(0, 1); sigma ~ lognormal(0, 1); shift ~ normal(0, 1); mu ~ lognormal(0, 1); w ~ uniform(-1, 1)[3] }`);
    const values = { tau: tf.scalar(0.8), sigma: tf.scalar(0.6), shift: tf.scalar(0.4), mu: tf.scalar(1.3), w: tf.tensor1d([-0.5, 0.2, 0.9]) };
    const y = tf.tensor1d([1.1, 2.0, 1.6]);
    const t = trace(condition(model, values)).getTrace({ y });
    const lp = (name: string): number => tf.sum(t.sample(name).logProb).dataSync()[0]!;
    const expected = {
      tau: dist.halfCauchy(2.5).logProb(values.tau),
      sigma: dist.halfNormal(1.5).logProb(values.sigma),
      shift: dist.cauchy(-1, 0.8).logProb(values.shift),
      mu: dist.truncatedNormal(0.4, 2, 0, Infinity).logProb(values.mu),
      w: tf.sum(dist.truncatedNormal(0, 1, -1, 1).logProb(values.w)),
    };
    for (const [name, want] of Object.entries(expected)) expect(lp(name), name).toBeCloseTo(want.dataSync()[0]!, 5);
    // A guide that proposes a value outside the truncation scores -Infinity, not NaN.
    const outside = trace(condition(model, { ...values, w: tf.tensor1d([-0.5, 0.2, 1.5]) })).getTrace({ y });
    expect(tf.sum(outside.sample('w').logProb).dataSync()[0]).toBe(-Infinity);
  });
});

describe('fitting with an automatic guide', () => {
  const y = tf.tensor1d([0.9, -0.4, 1.3, 0.2, 0.5]);
  const sumY = 2.5;
  const sumSquares = 0.81 + 0.16 + 1.69 + 0.04 + 0.25;

  function mapFit(text: string, steps: number): Record<string, number> {
    const compiled = compile(text, { autoGuide: (m) => autoGuide(m, { family: 'delta' }) });
    const fit = svi(compiled.model, compiled.guide, { estimator: elbo(), optimizer: adam({ lr: 0.05 }), seed: 3 });
    for (let i = 0; i < steps; i++) fit.step({ y });
    const medians = (compiled.guide as ReturnType<typeof autoGuide>).median();
    return Object.fromEntries(Object.entries(medians).map(([k, v]) => [k, v.dataSync()[0]!]));
  }

  it('delta (MAP): a truncated-normal prior and a half-normal scale reach their exact modes', () => {
    // mu ~ truncatedNormal(0, 1, low = 0), y_i ~ N(mu, 1): the mode is sum y / (n + 1) = 2.5 / 6 when positive.
    const mu = mapFit('data y: real[N]\nmodel { mu ~ truncatedNormal(0, 1, low = 0); plate data(N) { y ~ normal(mu, 1) } }', 600);
    expect(Math.abs(mu['mu']! - sumY / 6), `MAP ${mu['mu']} vs ${sumY / 6}`).toBeLessThan(1e-3);
    // sigma ~ halfNormal(1), y_i ~ N(0, sigma): d/dsigma [-sigma^2/2 - n log sigma - S/(2 sigma^2)] = 0
    // gives sigma^2 = (-n + sqrt(n^2 + 4S)) / 2.
    const sigma = mapFit('data y: real[N]\nmodel { sigma ~ halfNormal(1); plate data(N) { y ~ normal(0, sigma) } }', 600);
    const exact = Math.sqrt((-5 + Math.sqrt(25 + 4 * sumSquares)) / 2);
    expect(Math.abs(sigma['sigma']! - exact), `MAP ${sigma['sigma']} vs ${exact}`).toBeLessThan(1e-3);
    // Two-sided: mu ~ truncatedNormal(0, 1, -1, 1): the same mode, inside the interval.
    const inside = mapFit('data y: real[N]\nmodel { mu ~ truncatedNormal(0, 1, -1, 1); plate data(N) { y ~ normal(mu, 1) } }', 600);
    expect(Math.abs(inside['mu']! - sumY / 6)).toBeLessThan(1e-3);
  });

  it('normal (ELBO): guides for halfCauchy, cauchy and truncatedNormal sites draw inside the supports and improve the bound', () => {
    const text = `
      data y: real[N]
      model {
        tau ~ halfCauchy(1)
        shift ~ cauchy(0, 1)
        w ~ truncatedNormal(0, 1, -1, 2)
        plate data(N) { y ~ normal(shift + w, tau) }
      }`;
    const compiled = compile(text, { autoGuide: (m) => autoGuide(m, { family: 'normal' }) });
    const fit = svi(compiled.model, compiled.guide, { estimator: elbo({ particles: 4 }), optimizer: adam({ lr: 0.05 }), seed: 5 });
    const losses: number[] = [];
    for (let i = 0; i < 300; i++) losses.push(fit.step({ y }).loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-50))).toBeLessThan(mean(losses.slice(0, 50)));
    const draws = tf.tidy(() => {
      const t = trace(seed(compiled.guide, 9)).getTrace({ y });
      return { tau: t.sample('tau').value.dataSync()[0]!, w: t.sample('w').value.dataSync()[0]! };
    });
    expect(draws.tau).toBeGreaterThan(0);
    expect(draws.w).toBeGreaterThanOrEqual(-1);
    expect(draws.w).toBeLessThanOrEqual(2);
  });
});
