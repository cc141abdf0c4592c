import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { bernoulli, binomial, gamma, normal, poisson, uniform } from '../../../src/dsl/distributions/index.js';
import { observe, sample } from '../../../src/dsl/primitives.js';
import { autoGuide, type AutoGuideFamily, type AutoGuideOptions } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import { gradients } from '../../../src/inference/gradients.js';
import { adam } from '../../../src/inference/optim.js';
import { predictive } from '../../../src/inference/predictive.js';
import { svi } from '../../../src/inference/svi.js';
import { clearParamStore, getParamStore, plate, RouletteError, seed, Stream, trace } from '../../../src/index.js';
import { linearGaussian } from '../../helpers/linear-gaussian.js';
import { fit } from './helpers.js';

afterEach(() => clearParamStore());

const families: readonly AutoGuideFamily[] = ['delta', 'normal', 'multivariateNormal', 'flow'];
const read = (name: string): number[] => Array.from(getParamStore().variable(name).dataSync());
const x = tf.tensor2d([
  [0.5, 1.0],
  [1.5, -0.5],
  [0.2, 0.3],
  [2.2, 1.1],
  [-0.3, 0.8],
  [1.0, 1.9],
]);

/** The RouletteError a call throws, as `code: message`. */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof RouletteError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a RouletteError');
}

describe('per-datapoint params and plates', () => {
  it('are named after the site, cover the whole plate, and are gathered with the subsample indices', () => {
    const { model } = linearGaussian(2, { subsample: 3 });
    const guide = autoGuide(model, { family: 'delta' });
    tf.tidy(() => {
      trace(guide).getTrace(x); // creates the params
    });
    expect(getParamStore().names().sort()).toEqual(['auto.loc.z', 'theta']);
    const rows = tf.tensor2d(Array.from({ length: 6 }, (_, i) => [i, 10 * i]));
    getParamStore().variable('auto.loc.z').assign(rows);
    const tr = trace(guide).getTrace(x);
    const indices = Array.from(tr.get('data')!.value.dataSync());
    expect(indices).toHaveLength(3);
    expect(tr.sample('z').value.arraySync()).toEqual(indices.map((i) => [i, 10 * i]));
    // The guide's site sits in the model's plate: scaled by N / B, per datapoint.
    expect(tr.sample('z').plates.map((p) => [p.name, p.size, p.subsampleSize])).toEqual([['data', 6, 3]]);
    expect(tr.sample('z').scale).toBe(2);
  });

  it('get gradient only on the rows of the subsample', () => {
    const { model } = linearGaussian(2, { subsample: 2 });
    const guide = autoGuide(model, { family: 'normal' });
    const { grads } = gradients(model, guide, [x], { estimator: elbo(), seed: 4 });
    const rowNorms = (tf.sum(tf.abs(grads['auto.loc.z']!), 1).arraySync() as number[]).map((v) => v > 0);
    expect(rowNorms.filter(Boolean)).toHaveLength(2);
    for (const g of Object.values(grads)) g.dispose();
  });

  it('run hidden from outer handlers: tracing the guide shows only guide sites', () => {
    const { model } = linearGaussian(2);
    const guide = autoGuide(model, { family: 'normal' });
    const tr = trace(guide).getTrace(x); // the first call traces the model inside
    expect(tr.siteList.map((s) => s.name).sort()).toEqual(['auto.loc.z', 'auto.scale.z', 'data', 'z']);
    expect(guide.sites).toEqual([{ name: 'z', batchShape: [6], eventShape: [2], support: 'real numbers', plates: ['data'], discrete: false }]);
    expect(getParamStore().role('theta')).toBe('model');
  });

  it('refuse new datapoints for per-datapoint params, and say to amortise', () => {
    const { model } = linearGaussian(2);
    const guide = autoGuide(model, { family: 'normal' });
    tf.tidy(() => guide(x));
    expect(failure(() => guide(tf.zeros([4, 2])))).toMatch(/shape-mismatch: .*site 'z' had params of batch shape \[6\].*amortise/);
  });
});

describe('vectorised and looped particles', () => {
  it.each(families)('%s: the same gradients with vectorize true and false', (family) => {
    const joint = family === 'multivariateNormal' || family === 'flow';
    const { model } = linearGaussian(2, joint ? {} : { subsample: 3 });
    const guide = autoGuide(model, family === 'multivariateNormal' ? { family, rank: 2 } : { family });
    const a = gradients(model, guide, [x], { estimator: elbo({ particles: 3 }), seed: 9 });
    const b = gradients(model, guide, [x], { estimator: elbo({ particles: 3 }), seed: 9, vectorize: false });
    expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
    for (const name of Object.keys(a.grads)) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.grads[name]!, b.grads[name]!))).dataSync()[0]!);
      expect(diff, name).toBeLessThan(1e-3);
    }
    expect(a.loss).toBeCloseTo(b.loss, 3);
  });
});

describe('reproducibility and memory', () => {
  it('the first call (which traces the model) draws the same numbers as later calls in a seeded scope', () => {
    const { model } = linearGaussian(2, { subsample: 3 });
    const guide = autoGuide(model, { family: 'normal' });
    const draw = (): number[] => tf.tidy(() => Array.from(trace(seed(guide, 5)).getTrace(x).sample('z').value.dataSync()));
    expect(draw()).toEqual(draw());
  });

  it.each(families)('%s: the same seed gives the same fit, and tf.memory().numTensors stays flat', (family) => {
    const run = (): number[] => {
      clearParamStore();
      const { model } = linearGaussian(2);
      const guide = autoGuide(model, family === 'multivariateNormal' ? { family, rank: 1 } : { family });
      const s = svi(model, guide, { estimator: elbo({ particles: 2 }), optimizer: adam({ lr: 0.05 }), seed: 11 });
      for (let i = 0; i < 5; i++) s.step(x);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) s.step(x);
      expect(tf.memory().numTensors).toBe(before);
      s.optimizer.dispose();
      return getParamStore().names('guide').flatMap(read);
    };
    expect(run()).toEqual(run());
  });
});

describe('discrete latents', () => {
  // Two independent latents with their own observations: the posterior factorises, so a mean-field
  // guide can be exact. c ~ Bernoulli(0.3), x1 ~ N(2c - 1, 1); k ~ Binomial(4, 0.3), x2 ~ N(k, 1).
  const model = (): void => {
    const c = sample('c', bernoulli({ probs: 0.3 }));
    observe('x1', normal(tf.sub(tf.mul(c, 2), 1), 1), 0.4);
    const k = sample('k', binomial(4, { probs: 0.3 }));
    observe('x2', normal(k, 1), 2.7);
  };
  const choose = (n: number, j: number): number => (j === 0 ? 1 : (choose(n, j - 1) * (n - j + 1)) / j);
  const normalise = (w: number[]): number[] => w.map((v) => v / w.reduce((a, b) => a + b, 0));
  const exactC = normalise([0.7 * Math.exp(-0.5 * 1.4 ** 2), 0.3 * Math.exp(-0.5 * 0.6 ** 2)])[1]!;
  const exactK = normalise([0, 1, 2, 3, 4].map((j) => choose(4, j) * 0.3 ** j * 0.7 ** (4 - j) * Math.exp(-0.5 * (2.7 - j) ** 2)));

  it("get learnable Bernoulli and categorical guides in the 'normal' family (score function)", () => {
    const guide = autoGuide(model, { family: 'normal' });
    fit(model, guide, [], { steps: 400, estimator: elbo({ particles: 8 }), lr: 0.05, average: 0.5 });
    expect(getParamStore().names().sort()).toEqual(['auto.logits.c', 'auto.logits.k']);
    const q = 1 / (1 + Math.exp(-read('auto.logits.c')[0]!));
    expect(Math.abs(q - exactC), `P(c = 1): ${q} vs ${exactC}`).toBeLessThan(0.03);
    const logits = read('auto.logits.k');
    const probs = normalise(logits.map(Math.exp));
    probs.forEach((p, j) => expect(Math.abs(p - exactK[j]!), `P(k = ${j}): ${p} vs ${exactK[j]}`).toBeLessThan(0.03));
    expect(Array.from(guide.median()['k']!.dataSync())).toEqual([exactK.indexOf(Math.max(...exactK))]);
  });

  it.each(['multivariateNormal', 'flow'] as const)('make the %s family fail naming the site', (family) => {
    const guide = autoGuide(model, { family });
    expect(failure(() => guide())).toMatch(/unsupported-model: .*site 'c' is discrete .*Use family 'normal' or 'delta'/);
  });

  it('with an unbounded support fail naming the site', () => {
    const counts = (): void => {
      const n = sample('n', poisson(3));
      observe('y', normal(n, 1), 2);
    };
    expect(failure(() => autoGuide(counts, { family: 'normal' })())).toMatch(/site 'n' is discrete with an unbounded support/);
  });
});

describe('initialisation', () => {
  // a ~ Gamma(2, 1) (mean 2), b ~ N(a, 1), and per-datapoint z_i ~ N(b, 1) in a subsampled plate.
  const model = (): void => {
    const a = sample('a', gamma(2, 1));
    const b = sample('b', normal(a, 1));
    plate('data', 6, () => sample('z', normal(b, 1)), { subsample: 3 });
  };
  const start = (init: AutoGuideOptions<[]>['init']): Record<string, number[]> => {
    clearParamStore();
    const guide = autoGuide(model, init === undefined ? { family: 'normal' } : { family: 'normal', init });
    tf.tidy(() => guide());
    return { a: read('auto.loc.a').map(Math.exp), b: read('auto.loc.b'), z: read('auto.loc.z') };
  };

  it('from the prior mean, given the initial values of the sites it depends on', () => {
    const { a, b, z } = start('mean');
    expect(a[0]).toBeCloseTo(2, 5);
    expect(b[0]).toBeCloseTo(2, 5);
    expect(z).toHaveLength(6); // every datapoint, though the traced run saw 3
    z.forEach((v) => expect(v).toBeCloseTo(2, 5));
  });

  it("from the point 0 maps to ('feasible'), the prior median (default), user values, or a draw", () => {
    expect(start('feasible')).toEqual({ a: [1], b: [0], z: [0, 0, 0, 0, 0, 0] });
    const median = start(undefined);
    expect(median.a[0]).toBeGreaterThan(0.8); // the median of Gamma(2, 1) is 1.68
    expect(median.a[0]).toBeLessThan(3);
    const given = start({ values: { a: 3, z: tf.tensor1d([1, 2, 3, 4, 5, 6]) }, fallback: 'mean' });
    expect(given.a[0]).toBeCloseTo(3, 5);
    expect(given.b[0]).toBeCloseTo(3, 5);
    expect(given.z).toEqual([1, 2, 3, 4, 5, 6]);
    expect(start('sample').b.every(Number.isFinite)).toBe(true);
    expect(failure(() => start({ values: { nope: 1 } }))).toMatch(/site\(s\) 'nope' that the model never visits/);
    expect(failure(() => start({ values: { a: -1 } }))).toMatch(/init value for site 'a' is not in positive numbers/);
  });
});

describe('amortisation', () => {
  // z_i ~ N(0, 1), x_i ~ N(3 z_i + 1, 0.5): q(z_i | x_i) = N(12 (x_i - 1) / 37, 1 / 37) is linear in x_i.
  const n = 40;
  const s = Stream.fromSeed('amortise');
  const xs = tf.tensor2d(Array.from({ length: n }, () => [3 * s.normal() + 1 + 0.5 * s.normal()]));
  const model = (data: tf.Tensor, batch: number): void => {
    plate(
      'data',
      data.shape[0]!,
      (idx) => {
        const z = sample('z', normal(0, 1));
        observe('x', normal(tf.add(tf.mul(z, 3), 1), 0.5), tf.squeeze(tf.gather(data, idx), [1]));
      },
      { subsample: batch },
    );
  };
  const options: AutoGuideOptions<[tf.Tensor, number]> = {
    family: 'normal',
    amortize: { input: (idx, data) => tf.gather(data, idx), hidden: [] },
  };

  it('fits an encoder for the plate, which then guides datapoints it never saw', () => {
    const guide = autoGuide(model, options);
    fit(model, guide, [xs, 10], { steps: 400, estimator: elbo({ particles: 4 }), lr: 0.05, average: 0.3 });
    expect(getParamStore().names('guide').sort()).toEqual(['auto.net.data.0.bias', 'auto.net.data.0.weight']);
    // New data of another size: the plate's size follows the arguments, the encoder stays.
    const fresh = tf.tensor2d([[-2], [1], [4.5]]);
    const { z } = predictive(model, { guide, numSamples: 4000, returnSites: ['z'], seed: 3 })(fresh, 3);
    const { mean, variance } = tf.moments(z!, 0);
    const m = Array.from(mean.dataSync());
    const v = Array.from(variance.dataSync());
    [-2, 1, 4.5].forEach((xi, i) => {
      expect(Math.abs(m[i]! - (12 * (xi - 1)) / 37), `mean at x = ${xi}`).toBeLessThan(0.05);
      expect(Math.abs(Math.sqrt(v[i]!) - Math.sqrt(1 / 37)) / Math.sqrt(1 / 37), `sd at x = ${xi}`).toBeLessThan(0.1);
    });
  });

  it('explains bad amortisation options', () => {
    expect(failure(() => autoGuide(model, { ...options, family: 'flow' }))).toMatch(/amortize applies to family 'normal' or 'delta'/);
    const guide = autoGuide(model, { family: 'normal', amortize: { input: () => tf.zeros([2]) } });
    expect(failure(() => guide(xs, 10))).toMatch(/expected features of shape \[10, F\]/);
    const named = autoGuide(model, { family: 'normal', amortize: { input: (i) => i, plate: 'nope' } });
    expect(failure(() => named(xs, 10))).toMatch(/no latent site lies in plate 'nope'/);
  });
});

describe('errors', () => {
  it('name the site a joint family cannot subsample', () => {
    const { model } = linearGaussian(2, { subsample: 3 });
    expect(failure(() => autoGuide(model, { family: 'flow' })(x))).toMatch(/site 'z' lies in plate 'data', which subsamples \(3 of 6\)/);
  });

  it('name a site in a plate whose subsample indices the model takes from its arguments', () => {
    const model = (idx: tf.Tensor): void => {
      plate('data', 6, () => sample('z', normal(0, 1)), { subsample: idx });
    };
    const indices = tf.tensor1d([0, 4], 'int32');
    expect(failure(() => autoGuide(model, { family: 'normal' })(indices))).toMatch(/site 'z' lies in plate 'data', whose subsample indices the model passes in/);
  });

  it('name a site whose support depends on another latent', () => {
    const model = (): void => {
      const top = sample('top', gamma(2, 1));
      sample('u', uniform(0, top));
    };
    expect(failure(() => autoGuide(model, { family: 'normal' })())).toMatch(/site 'u': its support .* depends on tensors created while the model runs/);
  });

  it('explain bad options', () => {
    const { model } = linearGaussian(2);
    const bad = (o: object): string => failure(() => autoGuide(model, o as AutoGuideOptions<[tf.Tensor]>));
    expect(bad({ family: 'nope' })).toMatch(/unknown family 'nope'/);
    expect(bad({ family: 'normal', rank: 2 })).toMatch(/rank applies to family 'multivariateNormal'/);
    expect(bad({ family: 'multivariateNormal', rank: 0 })).toMatch(/rank must be an integer >= 1/);
    expect(bad({ family: 'normal', layers: 2 })).toMatch(/layers\/hidden applies to family 'flow'/);
    expect(bad({ family: 'normal', initScale: -1 })).toMatch(/initScale must be a positive number/);
    expect(bad({ family: 'normal', init: 'nope' })).toMatch(/unknown init strategy 'nope'/);
    const clash = (): void => {
      sample('auto.latent', normal(0, 1));
    };
    expect(failure(() => autoGuide(clash, { family: 'flow' })())).toMatch(/has a site named 'auto.latent'/);
    expect(failure(() => autoGuide(clash, { family: 'normal' }).median())).toMatch(/needs the guide to have run once/);
  });
});
