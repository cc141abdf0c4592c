import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import {
  adam,
  amsgrad,
  cisir,
  elbo,
  gradients,
  iwae,
  logLikelihood,
  mlrr,
  mlss,
  rmsprop,
  rws,
  schedules,
  sgd,
  sumo,
  svi,
  varianceObjective,
} from '../../src/inference/index.js';
import { clearParamStore, RouletteError } from '../../src/runtime/index.js';
import { breather } from '../helpers/event-loop.js';
import { expectUnbiased, isBiased } from '../helpers/stats.js';

/**
 * Issue 17: mistakes a user makes get an error naming what is wrong, never a silently wrong answer.
 * Model: z ~ N(0, 1), x ~ N(z, 1), x = 1.5, so log p(x) = log N(1.5; 0, 2) exactly.
 */
afterAll(() => clearParamStore());
beforeEach(() => clearParamStore());

const x = tf.scalar(1.5);
const exact = -0.5 * Math.log(2 * Math.PI * 2) - 1.5 ** 2 / 4;
const model = (data: tf.Tensor): void => {
  const z = sample('z', normal(0, 1));
  observe('x', normal(z, 1), data);
};
// A guide with params, none of them the model's: the model has nothing to fit.
const guide = (): void => {
  sample('z', normal(param('q.loc', 0), param('q.scale', 1, { constraint: 'positive' })));
};

function thrown(f: () => unknown): RouletteError {
  try {
    f();
  } catch (e) {
    if (e instanceof RouletteError) return e;
    throw new Error(`expected a RouletteError, got ${String(e)}`);
  }
  throw new Error('expected an error, none was thrown');
}

describe('an estimator reports its own estimate, whatever the params', () => {
  const draws = (estimator: Parameters<typeof gradients>[3]['estimator'], n: number): { values: number[]; stats: Record<string, number> } => {
    const values: number[] = [];
    let stats: Record<string, number> = {};
    for (let seed = 0; seed < n; seed++) {
      const r = gradients(model, guide, [x], { estimator: estimator!, seed });
      values.push(r.logMarginal);
      stats = { ...r.stats };
      for (const g of Object.values(r.grads)) g.dispose();
    }
    return { values, stats };
  };

  it.each([
    ['mlrr', () => mlrr({ r: 0.6 })],
    ['mlss', () => mlss({ r: 0.6 })],
    ['sumo', () => sumo()],
  ] as const)('%s on a model without params is unbiased for log p(x) (not the guide IWAE-5, which the same test finds biased)', (name, make) => {
    const { values, stats } = draws(make(), 1500);
    expectUnbiased(values, exact, name);
    // Its own statistics, not only the guide objective's.
    expect(stats['K']).toBeDefined();
    expect(stats['guide.k']).toBe(5);
    // The control: what was reported before (the guide's IWAE-5 bound) fails the same test.
    const iwae5 = draws(iwae({ k: 5 }), 1500).values;
    expect(isBiased(iwae5, exact)).toBe(true);
  }, 60_000);

  it('train: only one group is fitted; the other stays fixed and the estimate is still reported', () => {
    const store = () => tf.tidy(() => param('q.loc', 0).dataSync()[0]);
    const fit = svi(model, guide, { estimator: iwae({ k: 5 }), train: 'model', seed: 1 });
    expect(() => fit.step(x)).toThrowError(/train: 'model', but the model declares no param/);
    const guideOnly = svi(model, guide, { model: mlrr(), guide: iwae({ k: 5 }), train: 'guide', optimizer: adam({ lr: 0.05 }), seed: 1 });
    const before = store();
    const r = guideOnly.step(x);
    expect(store()).not.toBe(before);
    expect(r.stats['K']).toBeDefined();
  });

  it('gradients() with no param anywhere says so and what to do', () => {
    const plain = (): void => void sample('z', normal(0.75, Math.SQRT1_2));
    const e = thrown(() => gradients(model, plain, [x], { estimator: elbo(), seed: 0 }));
    expect(e.message).toMatch(/neither the model nor the guide declares a param/);
    expect(e.message).toMatch(/logLikelihood/);
  });
});

describe('options are checked where they are given, naming the option and its range', () => {
  it.each([
    ['sumo({ m: 0 })', () => sumo({ m: 0 }), /sumo: option m must be an integer >= 1, got 0/],
    ['mlrr({ level: -1 })', () => mlrr({ level: -1 }), /mlrr: option level must be an integer in 0 \.\. 20, got -1/],
    ['mlrr({ r: 0.3 })', () => mlrr({ r: 0.3 }), /mlrr: r = 0.3 gives an infinite expected cost.*maxLevel/],
    ['mlss({ r: 1 })', () => mlss({ r: 1 }), /mlss: option r must be a finite number in \(0, 1\), got 1/],
    ['mlrr({ R: 0.7 })', () => mlrr({ R: 0.7 } as never), /mlrr: unknown option 'R' \(did you mean 'r'\?\)/],
    ['iwae({ K: 5 })', () => iwae({ K: 5 } as never), /iwae: unknown option 'K' \(did you mean 'k'\?\)/],
    ['iwae()', () => (iwae as (o?: unknown) => unknown)(), /iwae: option k .* is required/],
    ['iwae({ k: 2.5 })', () => iwae({ k: 2.5 }), /iwae: option k must be an integer >= 1, got 2.5/],
    ['elbo({ particles: 0 })', () => elbo({ particles: 0 }), /elbo: option particles must be an integer >= 1/],
    ['rws({ k: 1 })', () => rws({ k: 1 }), /rws: option k must be an integer >= 2/],
    ['cisir({ lag: 0 })', () => cisir({ lag: 0 }), /cisir: option lag must be an integer >= 1/],
    ['cisir({ kernel: "isr" })', () => cisir({ kernel: 'isr' as never }), /cisir: option kernel must be one of 'isir', 'disir', 'isir-disir'/],
    ['cisir({ refine: { step: 5 } })', () => cisir({ refine: { step: 5 } as never }), /refine: unknown option 'step' \(did you mean 'steps'\?\)/],
    ['sumo({ guide: 5 })', () => sumo({ guide: 5 as never }), /sumo: option guide must be an estimator/],
    ['varianceObjective(iwae)', () => varianceObjective(iwae({ k: 5 }) as never), /varianceObjective takes a debiased estimator/],
    ['adam({ beta1: 1 })', () => adam({ beta1: 1 }), /adam: option beta1 must be a finite number in \[0, 1\), got 1/],
    ['adam({ lr: -1 })', () => adam({ lr: -1 }), /adam: option lr must be a finite number >= 0/],
    ['amsgrad({ eps: 0 })', () => amsgrad({ eps: 0 }), /amsgrad: option eps must be a finite number in \(0, inf\)/],
    ['rmsprop({ decay: 2 })', () => rmsprop({ decay: 2 }), /rmsprop: option decay/],
    ['sgd({ momentun: 0.9 })', () => sgd({ momentun: 0.9 } as never), /sgd: unknown option 'momentun' \(did you mean 'momentum'\?\)/],
    ['schedules.cosine(0.1, 0)', () => schedules.cosine(0.1, 0), /schedules.cosine: steps must be a finite number > 0/],
    ['svi clip -1', () => svi(model, guide, { estimator: elbo(), clip: -1 }), /svi: option clip must be a finite number in \(0, inf\), got -1/],
    ['svi clip 0', () => svi(model, guide, { estimator: elbo(), clip: 0 }), /svi: option clip must be a finite number in \(0, inf\), got 0/],
    ['svi clip { model: -2 }', () => svi(model, guide, { estimator: elbo(), clip: { model: -2 } }), /svi: clip: option model must be/],
    ['svi optimiser', () => svi(model, guide, { estimator: elbo(), optimiser: adam() } as never), /svi: unknown option 'optimiser' \(did you mean 'optimizer'\?\)/],
    ['svi seed {}', () => svi(model, guide, { estimator: elbo(), seed: {} as never }), /svi: option seed must be a finite number or a string/],
    ['svi estimator 5', () => svi(model, guide, { estimator: 5 as never }), /svi: option estimator must be an estimator/],
    ['svi without an estimator', () => svi(model, guide, {}), /give `estimator`/],
    ['svi(model, undefined)', () => svi(model, undefined as never, { estimator: elbo() }), /model and guide must be functions/],
    ['gradients compile "yes"', () => gradients(model, guide, [x], { estimator: elbo(), compile: 'yes' as never }), /gradients: option compile must be true or false/],
    ['gradients args not an array', () => gradients(model, guide, x as never, { estimator: elbo() }), /gradients: args must be an array/],
    ['logLikelihood({ chunk: 0 })', () => logLikelihood(model, guide, [x], { chunk: 0 }), /logLikelihood: option chunk must be an integer >= 1/],
  ])('%s', (_label, make, message) => {
    const e = thrown(make);
    expect(e.code).toBe('invalid-argument');
    expect(e.message).toMatch(message);
  });

  it('a capped level makes r <= 1/2 acceptable (finite cost), and r > 1/2 needs no cap', () => {
    expect(mlrr({ r: 0.3, maxLevel: 4 }).target).toMatch(/IWAE with 32 draws/);
    expect(mlrr({ r: 0.55 }).target).toBe('log p(x)');
  });

  it('clip: -1 no longer turns descent into ascent (the loss stays bounded)', () => {
    expect(() => svi(model, guide, { estimator: elbo(), optimizer: sgd({ lr: 0.1 }), clip: -1 })).toThrowError(RouletteError);
  });
});

describe('a guide that does not match its model is refused on the first step', () => {
  const schools = (y: tf.Tensor): void => {
    const mu = sample('mu', normal(0, 5));
    const tau = sample('tau', normal(0, 5));
    observe('y', normal(tf.add(mu, tau), 1), y);
  };
  const loc = (name: string) => param(`${name}.loc`, 0);
  const scale = (name: string) => param(`${name}.scale`, 1, { constraint: 'positive' });
  const y = tf.scalar(2);

  it("a misspelt guide site ('taw' for 'tau') is an error with the likely name", () => {
    const typo = (): void => {
      sample('mu', normal(loc('mu'), scale('mu')));
      sample('taw', normal(loc('taw'), scale('taw')));
    };
    const e = thrown(() => svi(schools, typo, { estimator: elbo(), seed: 0 }).step(y));
    expect(e.code).toBe('guide-mismatch');
    expect(e.where).toBe('taw');
    expect(e.message).toMatch(/the guide samples 'taw', but the model has no site 'taw'.*did you mean 'tau'\?/);
  });

  it('a guide site the model never visits is an error', () => {
    const extra = (): void => {
      sample('mu', normal(loc('mu'), scale('mu')));
      sample('tau', normal(loc('tau'), scale('tau')));
      sample('sigma', normal(loc('sigma'), scale('sigma')));
    };
    const e = thrown(() => gradients(schools, extra, [y], { estimator: iwae({ k: 3 }), seed: 0 }));
    expect(e.message).toMatch(/the guide samples 'sigma'.*latent sites: mu, tau/);
  });

  it('a model latent the guide does not sample is an error naming it, in every estimator and logLikelihood', () => {
    const partial = (): void => void sample('mu', normal(loc('mu'), scale('mu')));
    for (const estimator of [elbo(), iwae({ k: 4 }), mlrr(), sumo()]) {
      const e = thrown(() => gradients(schools, partial, [y], { estimator, seed: 0 }));
      expect(e.code).toBe('guide-mismatch');
      expect(e.message).toMatch(/the model's latent 'tau' is not sampled by the guide.*allowPriorDraws/);
    }
    expect(() => logLikelihood(schools, partial, [y], { k: 10 })).toThrowError(/'tau' is not sampled by the guide/);
  });

  it('allowPriorDraws: prior draws are part of the proposal, and the estimate stays unbiased for log p(x)', async () => {
    // mu guided, tau drawn from its prior: p(y) = N(2; 0, 5^2 + 5^2 + 1).
    const exactY = -0.5 * Math.log(2 * Math.PI * 51) - 4 / (2 * 51);
    const partial = (): void => void sample('mu', normal(loc('mu'), scale('mu')));
    const values: number[] = [];
    const plain: number[] = [];
    const breathe = breather();
    for (let seed = 0; seed < 1500; seed++) {
      await breathe();
      const r = gradients(schools, partial, [y], { model: mlrr({ r: 0.6 }), guide: iwae({ k: 3 }), seed, allowPriorDraws: true });
      values.push(r.logMarginal);
      const e = gradients(schools, partial, [y], { estimator: elbo(), seed, allowPriorDraws: true });
      plain.push(e.logMarginal);
      for (const g of [...Object.values(r.grads), ...Object.values(e.grads)]) g.dispose();
    }
    expectUnbiased(values, exactY, 'mlrr with a prior-drawn tau');
    // The ELBO is a lower bound: the same test must see its bias.
    expect(isBiased(plain, exactY)).toBe(true);
    expect(() => gradients(schools, partial, [y], { model: cisir({ k: 4, lag: 1 }), guide: iwae({ k: 3 }), seed: 0, allowPriorDraws: true })).toThrowError(
      /cisir: allowPriorDraws is not supported/,
    );
  });

  it('an auxiliary guide site is allowed when marked, and sample() refuses unknown options', () => {
    const aux = (): void => {
      const u = sample('u', normal(loc('u'), scale('u')), { auxiliary: true });
      sample('mu', normal(u, 1));
      sample('tau', normal(loc('tau'), scale('tau')));
    };
    const r = gradients(schools, aux, [y], { estimator: elbo(), seed: 0 });
    expect(Number.isFinite(r.logMarginal)).toBe(true);
    for (const g of Object.values(r.grads)) g.dispose();
    expect(() => sample('z', normal(0, 1), { auxilary: true } as never)).toThrowError(/sample 'z': the third argument takes \{ auxiliary: true \}/);
  });
});

describe('smaller mistakes', () => {
  const mean = (): void => {
    sample('z', normal(param('z.loc', 0), 1));
  };

  it('a step without its data names the missing argument, with the failure it caused', () => {
    const fit = svi(model, guide, { estimator: elbo(), seed: 0 });
    expect(() => (fit.step as () => unknown)()).toThrow(
      /^the model takes 1 argument \(the data\), but it was called with 0 arguments \(and failed: observe 'x': .*\); give them to the step, e\.g\. fit\.step\(x\)/,
    );
    expect(fit.step(x).loss).toBeGreaterThan(0); // with the data, the same fit steps
  });

  it("another program's params in the store do not stand in for this program's (none: a clear error, not tfjs's)", () => {
    svi(model, mean, { estimator: elbo(), seed: 0 }).step(x); // leaves 'z.loc' in the store
    const fixed = (): void => {
      sample('z', normal(0, 1));
    };
    expect(() => svi(model, fixed, { estimator: elbo(), seed: 0 }).step(x)).toThrow(/neither the model nor the guide declares a param/);
  });

  it('a negative scale in the data is named as such, with no advice to lower the learning rate', () => {
    const scaled = (s: tf.Tensor): void => {
      const z = sample('z', normal(0, 1));
      observe('x', normal(z, s), tf.tensor1d([1, 2]));
    };
    const fitted = (_s: tf.Tensor): void => mean();
    const fit = svi(scaled, fitted, { estimator: elbo(), seed: 0 });
    let message = '';
    try {
      fit.step(tf.tensor1d([1, -1]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("site 'x' (model, normal): 1 of its 2 scale entries are not > 0 (min -1)");
    expect(message).toContain('If it comes from the data, fix the data');
    expect(message).not.toMatch(/learning rate/);
  });
});
