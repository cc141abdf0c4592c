import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { mlp } from '../../src/dsl/nn.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { elbo, gradients, iwae, mlrr, mlss, rws, sumo, svi, unbiasedRWS, varianceObjective, type Estimator, type SviOptions } from '../../src/inference/index.js';
import { adam, amsgrad, rmsprop, sgd, type Optimizer } from '../../src/inference/optim.js';
import { clearParamStore, getParamStore, plate } from '../../src/index.js';
import { currentRandom } from '../../src/runtime/rng.js';
import { tinyGuide, tinyModel, x10 } from '../helpers/tiny-model.js';

afterEach(() => clearParamStore());

/** A small VAE: per-datapoint latents in a plate, MLP encoder and decoder, Bernoulli pixels. */
const pixels = 12;
const latent = 3;
const vaeData = (): tf.Tensor2D => tf.tidy(() => tf.cast(tf.greater(tf.sin(tf.reshape(tf.range(0, 8 * pixels), [8, pixels])), 0), 'float32') as tf.Tensor2D);
const vaeModel = (x: tf.Tensor2D): void => {
  const decoder = mlp('decoder', [latent, 8, pixels]);
  plate('data', x.shape[0], () => {
    const z = sample('z', normal(tf.zeros([latent]), tf.ones([latent])).toEvent(1));
    observe('x', bernoulli({ logits: decoder(z) }).toEvent(1), x);
  });
};
const vaeGuide = (x: tf.Tensor2D): void => {
  const encoder = mlp('encoder', [pixels, 8, 2 * latent]);
  plate('data', x.shape[0], () => {
    const h = encoder(x);
    const loc = tf.slice(h, [0, 0], [-1, latent]);
    const scale = tf.add(tf.softplus(tf.slice(h, [0, latent], [-1, latent])), 1e-3);
    sample('z', normal(loc, scale).toEvent(1));
  });
};

interface Run {
  readonly losses: number[];
  readonly objectives: number[];
  readonly params: Record<string, number[]>;
  readonly modes: string[];
}

function train<A extends unknown[]>(
  model: (...a: A) => void,
  guide: (...a: A) => void,
  args: A,
  make: () => Pick<SviOptions, 'estimator' | 'model' | 'guide'> & { optimizer: Optimizer },
  compile: boolean,
  steps: number,
): Run {
  clearParamStore();
  const { optimizer, ...estimators } = make();
  const fit = svi(model, guide, { ...estimators, optimizer, seed: 11, compile, clip: 50 } as SviOptions);
  const losses: number[] = [];
  const objectives: number[] = [];
  const modes: string[] = [];
  for (let i = 0; i < steps; i++) {
    const r = fit.step(...args);
    losses.push(r.loss);
    objectives.push(r.logMarginal);
    modes.push(fit.mode);
  }
  const store = getParamStore();
  const params = Object.fromEntries(store.names().map((n) => [n, Array.from(store.variable(n).dataSync())]));
  return { losses, objectives, params, modes };
}

/** Relative float32 agreement, allowing for rounding that compounds over the steps. */
function expectClose(a: readonly number[], b: readonly number[], tol = 2e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(a[i]!)));
}

const cases: readonly { name: string; make: () => { estimator: Estimator; optimizer: Optimizer } }[] = [
  { name: 'elbo / adam', make: () => ({ estimator: elbo(), optimizer: adam({ lr: 0.05 }) }) },
  { name: 'elbo particles 4 / amsgrad', make: () => ({ estimator: elbo({ particles: 4 }), optimizer: amsgrad({ lr: 0.05 }) }) },
  { name: 'iwae k 5 / rmsprop', make: () => ({ estimator: iwae({ k: 5 }), optimizer: rmsprop({ lr: 0.01 }) }) },
  { name: 'iwae dreg k 5 / sgd momentum', make: () => ({ estimator: iwae({ k: 5, dreg: true }), optimizer: sgd({ lr: 0.01, momentum: 0.9 }) }) },
  { name: 'rws k 4 / adam', make: () => ({ estimator: rws({ k: 4 }), optimizer: adam({ lr: 0.02 }) }) },
];

describe('compiled steps give the eager numbers, seed for seed', () => {
  for (const c of cases) {
    it(`tiny model, ${c.name}`, () => {
      const x = x10();
      const eager = train(tinyModel, tinyGuide, [x], c.make, false, 30);
      const compiled = train(tinyModel, tinyGuide, [x], c.make, true, 30);
      expect(compiled.modes.slice(-10).every((m) => m === 'compiled')).toBe(true);
      expect(eager.modes.every((m) => m === 'eager')).toBe(true);
      expectClose(compiled.losses, eager.losses);
      expectClose(compiled.objectives, eager.objectives);
      for (const name of Object.keys(eager.params)) expectClose(compiled.params[name]!, eager.params[name]!);
      // Fresh randomness every replay: the losses of the compiled steps are not one repeated number.
      expect(new Set(compiled.losses.slice(-10)).size).toBe(10);
      x.dispose();
    });
  }

  it('a small VAE (MLPs, plates, Bernoulli pixels), iwae k 3', () => {
    const x = vaeData();
    const make = () => ({ estimator: iwae({ k: 3 }), optimizer: adam({ lr: 0.01 }) });
    const eager = train(vaeModel, vaeGuide, [x], make, false, 25);
    const compiled = train(vaeModel, vaeGuide, [x], make, true, 25);
    expect(compiled.modes.at(-1)).toBe('compiled');
    expectClose(compiled.losses, eager.losses, 1e-3);
    for (const name of Object.keys(eager.params)) expectClose(compiled.params[name]!, eager.params[name]!, 1e-3);
    x.dispose();
  });
});

describe('an optimiser without a host form', () => {
  it('gets tensor gradients (clipped) in compiled and eager steps alike', () => {
    // A user's optimiser: plain gradient descent through tensors, no applyHost.
    const plainSgd = (): Optimizer => {
      let iterations = 0;
      return {
        name: 'plain-sgd',
        get iterations() {
          return iterations;
        },
        apply(variables, grads) {
          iterations++;
          tf.tidy(() => variables.forEach((v) => v.assign(tf.sub(v, tf.mul(grads.get(v.name)!, 0.05)))));
        },
        dispose() {},
      };
    };
    const x = x10();
    const make = () => ({ estimator: iwae({ k: 3 }), optimizer: plainSgd() });
    const eager = train(tinyModel, tinyGuide, [x], make, false, 20);
    const compiled = train(tinyModel, tinyGuide, [x], make, true, 20);
    expect(compiled.modes.at(-1)).toBe('compiled');
    expectClose(compiled.losses, eager.losses);
    for (const n of Object.keys(eager.params)) expectClose(compiled.params[n]!, eager.params[n]!);
    x.dispose();
  });
});

describe('debiased estimators compile one program per level drawn', () => {
  // The model needs a param of its own: these estimators estimate the model's gradient.
  const guide = (data: tf.Tensor1D): void => {
    plate('data', data.shape[0], () => sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' }))));
  };
  const perPoint = (data: tf.Tensor1D): void => {
    plate('data', data.shape[0], () => {
      const mu = sample('mu', normal(param('prior.loc', 0), 1));
      observe('x', normal(mu, 1), data);
    });
  };
  // One level per datapoint makes a key of 10 levels that hardly ever repeats: those steps stay eager.
  const alone = (make: () => Estimator) => () => ({ estimator: make() });
  const estimators: [string, () => Pick<SviOptions, 'estimator' | 'model' | 'guide'>, boolean][] = [
    ['sumo', alone(() => sumo()), true],
    ['mlss r 0.6', alone(() => mlss({ r: 0.6 })), true],
    ['mlrr r 0.6', alone(() => mlrr({ r: 0.6 })), true],
    ['mlrr per datapoint (stays eager)', alone(() => mlrr({ r: 0.6, perDatapoint: true })), false],
    // The guide objectives draw a level of their own: the step's key holds both.
    ['sumo, its guide by varianceObjective', () => ({ model: sumo(), guide: varianceObjective(sumo()) }), true],
    ['mlrr, its guide by unbiasedRWS', () => ({ model: mlrr({ r: 0.6 }), guide: unbiasedRWS(mlrr({ r: 0.6 })) }), true],
  ];
  for (const [name, make, compiles] of estimators) {
    it(name, () => {
      const x = x10();
      const run = (compile: boolean) => train(perPoint, guide, [x], () => ({ ...make(), optimizer: adam({ lr: 0.02 }) }), compile, 60);
      const eager = run(false);
      const compiled = run(true);
      const count = compiled.modes.filter((m) => m === 'compiled').length;
      if (compiles) expect(count).toBeGreaterThan(10);
      else expect(count).toBe(0);
      expectClose(compiled.objectives, eager.objectives, 1e-4);
      for (const n of Object.keys(eager.params)) expectClose(compiled.params[n]!, eager.params[n]!, 1e-4);
      x.dispose();
    });
  }
});

describe('gradients() compiles too', () => {
  it('gives the eager gradients for each seed, as tensors the caller owns, with no leak', async () => {
    const x = x10();
    const estimator = iwae({ k: 4 });
    clearParamStore();
    const at = (seed: number, compile: boolean) => {
      const r = gradients(tinyModel, tinyGuide, [x], { estimator, seed, compile });
      const out = { loss: r.loss, grads: Object.fromEntries(Object.entries(r.grads).map(([n, g]) => [n, Array.from(g.dataSync())])) };
      for (const g of Object.values(r.grads)) g.dispose();
      return out;
    };
    for (let seed = 0; seed < 6; seed++) at(seed, true); // warm-up and recording
    const before = tf.memory().numTensors;
    for (let seed = 10; seed < 30; seed++) {
      const compiled = at(seed, true);
      const eager = at(seed, false);
      expect(Math.abs(compiled.loss - eager.loss)).toBeLessThan(1e-4 * (1 + Math.abs(eager.loss)));
      for (const n of Object.keys(eager.grads)) expectClose(compiled.grads[n]!, eager.grads[n]!, 1e-4);
    }
    expect(tf.memory().numTensors).toBe(before);
    const replay = await tf.profile(() => void at(40, true));
    expect(replay.kernels.length).toBe(0); // a replay, not an eager pass
    x.dispose();
  });
});

describe('what a compiled step checks', () => {
  it('a replay that repeated the recorded randomness would differ from eager steps', () => {
    // The seed-for-seed tests above would fail such a replay: show that its losses differ from eager ones.
    const x = x10();
    const make = () => ({ estimator: elbo(), optimizer: adam({ lr: 0.05 }) });
    const eager = train(tinyModel, tinyGuide, [x], make, false, 12);
    clearParamStore();
    const fit = svi(tinyModel, tinyGuide, { ...make(), seed: 11, compile: true, clip: 50 });
    const repeated: number[] = [];
    for (let i = 0; i < 12; i++) repeated.push(fit.step(x).loss);
    expect(repeated.slice(0, 3)).toEqual(eager.losses.slice(0, 3)); // the warm-up and recording steps are eager steps
    expect(Math.abs(repeated[3]! - eager.losses[3]!)).toBeLessThan(1e-4); // the first replay, to float32 rounding
    expect(Math.abs(repeated[10]! - eager.losses[10]!)).toBeLessThan(1e-3);
    expect(Math.abs(eager.losses[10]! - eager.losses[9]!)).toBeGreaterThan(1e-3);
    x.dispose();
  });

  it('control flow on a value read back keeps the step eager when the value changes', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // The model takes a different branch depending on the sign of a draw: a guard on the read value.
    const model = (data: tf.Tensor1D): void => {
      const mu = sample('mu', normal(0, 1));
      const positive = mu.dataSync()[0]! > 0;
      plate('data', data.shape[0], () => observe('x', normal(positive ? tf.mul(mu, 2) : mu, 1), data));
    };
    const guide = (): void => {
      sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' })));
    };
    const x = x10();
    const make = () => ({ estimator: elbo(), optimizer: adam({ lr: 0.05 }) });
    const eager = train(model, guide, [x], make, false, 20);
    const compiled = train(model, guide, [x], make, true, 20);
    expect(compiled.modes.at(-1)).toMatch(/^eager: /);
    expect(compiled.losses).toEqual(eager.losses);
    expect(warn.mock.calls.some(([m]) => /runs eagerly/.test(String(m)))).toBe(true);
    warn.mockRestore();
    x.dispose();
  });

  it('a structure that changes (another data shape) gets its own program; the first stays in use', () => {
    const x = x10();
    const y = tf.tensor1d([0.5, 0.7, -0.1]);
    clearParamStore();
    const fit = svi(tinyModel, tinyGuide, { estimator: elbo(), optimizer: adam({ lr: 0.05 }), seed: 1, compile: true });
    for (let i = 0; i < 5; i++) fit.step(x);
    expect(fit.mode).toBe('compiled');
    fit.step(y);
    expect(fit.mode).toBe('recording');
    fit.step(x);
    expect(fit.mode).toBe('compiled');
    x.dispose();
    y.dispose();
  });

  it('plate subsamples are drawn afresh on every replay, as eager steps draw them', () => {
    const model = (data: tf.Tensor1D): void => {
      const mu = sample('mu', normal(0, 1));
      plate('data', data.shape[0], (idx) => observe('x', normal(mu, 1), tf.gather(data, idx!)), { subsample: 4 });
    };
    const guide = (): void => {
      sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' })));
    };
    const x = x10();
    const make = () => ({ estimator: elbo(), optimizer: adam({ lr: 0.01 }) });
    const eager = train(model, guide, [x], make, false, 20);
    const compiled = train(model, guide, [x], make, true, 20);
    expect(compiled.modes.at(-1)).toBe('compiled');
    expectClose(compiled.losses, eager.losses);
    x.dispose();
  });

  it('random numbers drawn on the host keep the step eager, with the reason', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // A branch on a number the model draws itself: a replay would repeat it.
    const model = (data: tf.Tensor1D): void => {
      const mu = sample('mu', normal(0, 1));
      const wide = currentRandom().shared.uniform() < 0.5;
      plate('data', data.shape[0], () => observe('x', normal(mu, wide ? 2 : 1), data));
    };
    const guide = (): void => {
      sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' })));
    };
    const x = x10();
    const make = () => ({ estimator: elbo(), optimizer: adam({ lr: 0.01 }) });
    const eager = train(model, guide, [x], make, false, 8);
    const compiled = train(model, guide, [x], make, true, 8);
    expect(compiled.modes.at(-1)).toMatch(/eager: .*host/);
    expect(compiled.losses).toEqual(eager.losses);
    warn.mockRestore();
    x.dispose();
  });

  it('reading a param or an argument on the host is a guard too (a branch on a param value stays right)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // Branches on the guide's current loc (a param read directly, no kernel in between) and on the data.
    const model = (data: tf.Tensor1D): void => {
      const mu = sample('mu', normal(0, 1));
      const shift = data.dataSync()[0]! > 0 ? 1 : 0;
      plate('data', data.shape[0], () => observe('x', normal(tf.add(mu, shift), 1), data));
    };
    const guide = (): void => {
      const loc = param('loc', 0);
      const wide = loc.dataSync()[0]! < -0.16; // first true at step 4, after compilation
      sample('mu', normal(loc, wide ? 2 : param('scale', 1, { constraint: 'positive' })));
    };
    const x = x10();
    const make = () => ({ estimator: elbo(), optimizer: adam({ lr: 0.05 }) });
    const eager = train(model, guide, [x], make, false, 30);
    const compiled = train(model, guide, [x], make, true, 30);
    expectClose(compiled.losses, eager.losses);
    for (const n of Object.keys(eager.params)) expectClose(compiled.params[n]!, eager.params[n]!);
    expect(compiled.modes.at(-1)).toMatch(/^eager: .*reads back/);
    warn.mockRestore();
    x.dispose();
  });

  it('a program that would hold too much memory is not kept (ROULETTE_COMPILE_MB)', () => {
    const notes: string[] = [];
    const before = process.env['ROULETTE_COMPILE_MB'];
    process.env['ROULETTE_COMPILE_MB'] = '0.000001'; // about one byte: no program fits
    try {
      const x = x10();
      clearParamStore();
      const fit = svi(tinyModel, tinyGuide, { estimator: elbo(), optimizer: adam({ lr: 0.01 }), seed: 1, compile: true, onCompileNote: (n) => notes.push(n) });
      for (let i = 0; i < 6; i++) fit.step(x);
      expect(fit.mode).toMatch(/^eager: its program would hold/);
      expect(notes.some((n) => /ROULETTE_COMPILE_MB/.test(n))).toBe(true);
      x.dispose();
    } finally {
      if (before === undefined) delete process.env['ROULETTE_COMPILE_MB'];
      else process.env['ROULETTE_COMPILE_MB'] = before;
    }
  });

  it('a constant from a closure that changes after compilation is caught at the next re-check', () => {
    const notes: string[] = [];
    let weight = 1;
    const model = (data: tf.Tensor1D): void => {
      const mu = sample('mu', normal(0, 1));
      plate('data', data.shape[0], () => observe('x', normal(tf.mul(mu, tf.scalar(weight)), 1), data));
    };
    const guide = (): void => {
      sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' })));
    };
    const x = x10();
    clearParamStore();
    const fit = svi(model, guide, { estimator: elbo(), optimizer: adam({ lr: 0.01 }), seed: 1, compile: true, onCompileNote: (n) => notes.push(n) });
    const modes: string[] = [];
    for (let i = 0; i < 90; i++) {
      if (i === 30) weight = 2; // annealing through a closure variable: not allowed, but caught
      fit.step(x);
      modes.push(fit.mode);
    }
    expect(modes[25]).toBe('compiled');
    expect(modes.at(-1)).toMatch(/^eager: .*host values changes.*re-check/);
    expect(notes.some((n) => /re-check/.test(n))).toBe(true);
    x.dispose();
  });

  it('data held in a closure and swapped between steps keeps the step eager; data in a record argument compiles', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const batches = Array.from({ length: 12 }, (_, i) => tf.tensor1d([0.1 * i, -0.2, 0.3 + i, 1.1]));
    let current = batches[0]!;
    const closureModel = (): void => {
      const mu = sample('mu', normal(0, 1));
      plate('data', 4, () => observe('x', normal(mu, 1), current));
    };
    const recordModel = (data: { x: tf.Tensor1D }): void => {
      const mu = sample('mu', normal(0, 1));
      plate('data', 4, () => observe('x', normal(mu, 1), data.x));
    };
    const guide = (): void => {
      sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' })));
    };
    const make = () => ({ estimator: elbo(), optimizer: adam({ lr: 0.05 }) });
    const viaClosure = (compile: boolean): Run => {
      clearParamStore();
      const fit = svi(closureModel, guide, { ...make(), seed: 4, compile });
      const losses: number[] = [];
      const modes: string[] = [];
      batches.forEach((b) => {
        current = b;
        losses.push(fit.step().loss);
        modes.push(fit.mode);
      });
      return { losses, objectives: [], params: {}, modes };
    };
    const eager = viaClosure(false);
    const compiled = viaClosure(true);
    expect(compiled.losses).toEqual(eager.losses);
    expect(compiled.modes.at(-1)).toMatch(/eager: .*outside its arguments/);
    const viaRecord = (compile: boolean): number[] => {
      clearParamStore();
      const fit = svi(recordModel, guide, { ...make(), seed: 4, compile });
      const losses = batches.map((b) => fit.step({ x: b }).loss);
      expect(fit.mode).toBe(compile ? 'compiled' : 'eager');
      return losses;
    };
    const r0 = viaRecord(false);
    const r1 = viaRecord(true);
    expectClose(r1, r0);
    warn.mockRestore();
    batches.forEach((b) => b.dispose());
  });

  it.each([
    ['elbo', () => elbo()],
    ['iwae', () => iwae({ k: 4 })],
    ['iwae dreg', () => iwae({ k: 4, dreg: true })],
    ['rws', () => rws({ k: 4 })],
    ['sumo', () => sumo()],
    ['mlss', () => mlss({ r: 0.6 })],
    ['mlrr', () => mlrr({ r: 0.6 })],
  ] as [string, () => Estimator][])('%s: the number of tensors stays flat over 10,000 steps', (_name, make) => {
    // A model param, so the debiased estimators run their own (per-level compiled) estimate.
    const model = (data: tf.Tensor1D): void => {
      plate('data', data.shape[0], () => {
        const mu = sample('mu', normal(param('prior.loc', 0), 1));
        observe('x', normal(mu, 1), data);
      });
    };
    const guide = (data: tf.Tensor1D): void => {
      plate('data', data.shape[0], () => sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' }))));
    };
    const x = x10();
    clearParamStore();
    const fit = svi(model, guide, { estimator: make(), optimizer: adam({ lr: 0.001 }), seed: 1, clip: 50, compile: true });
    for (let i = 0; i < 10; i++) fit.step(x);
    const before = tf.memory().numTensors;
    let compiled = 0;
    for (let i = 0; i < 10_000; i++) {
      fit.step(x);
      if (fit.mode === 'compiled') compiled++;
    }
    expect(compiled).toBeGreaterThan(9_000);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('runs no tfjs kernel in a compiled step', async () => {
    const x = x10();
    clearParamStore();
    const fit = svi(tinyModel, tinyGuide, { estimator: elbo(), optimizer: adam({ lr: 0.01 }), seed: 1, compile: true });
    for (let i = 0; i < 5; i++) fit.step(x);
    const info = await tf.profile(() => void fit.step(x));
    expect(fit.mode).toBe('compiled');
    expect(info.kernels.length).toBe(0);
    x.dispose();
  });

  it('refuses a compile option that is not a boolean', () => {
    expect(() => svi(tinyModel, tinyGuide, { estimator: elbo(), compile: 'yes' as unknown as boolean })).toThrow(/compile must be true or false/);
  });
});
