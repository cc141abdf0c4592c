import * as tf from '@tensorflow/tfjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { gamma, lognormal, normal, poisson } from '../../src/dsl/distributions/index.js';
import { deterministic, observe, param, sample } from '../../src/dsl/primitives.js';
import { adam, autoGuide, elbo, summary, svi } from '../../src/inference/index.js';
import { getParamStore, plate } from '../../src/index.js';

/** Posterior summaries of guide draws, in each site's constrained space. */

beforeEach(() => getParamStore().clear());

describe('summary of a guide', () => {
  it("a lognormal guide's draws: mean exp(loc + s^2 / 2), sd and median exp(loc) of the constrained value, within 3 s.e.", () => {
    const loc = 0.3;
    const scale = 0.4;
    const guide = (): void => {
      sample('sigma', lognormal(param('sigma.loc', loc), param('sigma.scale', scale, { constraint: 'positive' })));
    };
    const s = summary(guide, [], { draws: 20000, seed: 1 });
    expect(s.reweighted).toBe(false);
    expect(s.diagnostics).toBeUndefined();
    const sigma = s.sites[0]!;
    expect(sigma).toMatchObject({ name: 'sigma', kind: 'latent', support: 'positive numbers', shape: [] });
    const mean = Math.exp(loc + scale ** 2 / 2);
    const sd = mean * Math.sqrt(Math.expm1(scale ** 2));
    expect(Math.abs(sigma.mean[0]! - mean)).toBeLessThan(3 * sigma.mcseMean[0]!);
    expect(Math.abs(sigma.sd[0]! - sd)).toBeLessThan(3 * sigma.mcseSd[0]!);
    // Quantiles of the lognormal: exp(loc + z_p s). The s.e. of a quantile is sqrt(p (1 - p) / S) / density.
    const z = [-1.6448536, 0, 1.6448536];
    [0.05, 0.5, 0.95].forEach((p, j) => {
      const q = Math.exp(loc + z[j]! * scale);
      const density = Math.exp(-0.5 * z[j]! ** 2) / (Math.sqrt(2 * Math.PI) * scale * q);
      expect(Math.abs(sigma.quantiles[j]![0]! - q)).toBeLessThan((3 * Math.sqrt((p * (1 - p)) / 20000)) / density);
    });
    // The test can fail: the unconstrained loc is not the mean.
    expect(Math.abs(sigma.mean[0]! - Math.exp(loc))).toBeGreaterThan(3 * sigma.mcseMean[0]!);
  });

  it('an automatic guide: one summary per model latent, vectors per element, with the model: its deterministic sites too', () => {
    const model = (x: tf.Tensor1D): void => {
      const rate = sample('rate', gamma(3, 1));
      const w = sample('w', normal(tf.zeros([3]), 1));
      deterministic('twice', tf.mul(rate, 2));
      plate('data', 6, () => observe('x', poisson(tf.add(rate, tf.mul(0, tf.sum(w)))), x));
    };
    const x = tf.tensor1d([4, 2, 5, 3, 6, 4]);
    const guide = autoGuide(model, { family: 'multivariateNormal' });
    const fit = svi(model, guide, { estimator: elbo({ particles: 4 }), optimizer: adam({ lr: 0.05 }), seed: 2 });
    for (let i = 0; i < 300; i++) fit.step(x);
    const own = summary(guide, [x], { draws: 2000, seed: 3 });
    // The joint guide's auxiliary vector is not a latent of the model.
    expect(own.sites.map((s) => s.name)).toEqual(['rate', 'w']);
    const w = own.sites[1]!;
    expect(w.shape).toEqual([3]);
    expect(w.mean).toHaveLength(3);
    expect(own.sites[0]!.quantiles[0]![0]).toBeGreaterThan(0);
    const withModel = summary({ model, guide }, [x], { draws: 2000, seed: 3 });
    expect(withModel.sites.map((s) => s.name)).toEqual(['rate', 'w', 'twice']);
    // The same guide draws either way (same seed), and the deterministic site follows them.
    expect(withModel.sites[0]!.mean[0]).toBeCloseTo(own.sites[0]!.mean[0]!, 5);
    expect(withModel.sites[2]!.mean[0]).toBeCloseTo(2 * withModel.sites[0]!.mean[0]!, 4);
    expect(withModel.sites[2]!.kind).toBe('deterministic');
    // A fit is a source too: it carries its model and guide.
    expect(summary(fit, [x], { draws: 2000, seed: 3 })).toEqual(withModel);
    x.dispose();
  });
});
