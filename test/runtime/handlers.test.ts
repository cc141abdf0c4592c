import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { factor, observe, param, sample } from '../../src/dsl/primitives.js';
import {
  activeHandlers,
  block,
  clearParamStore,
  condition,
  currentRandom,
  mask,
  replay,
  RouletteError,
  scale,
  seed,
  substitute,
  trace,
} from '../../src/runtime/index.js';

function model(): tf.Tensor {
  const mu = sample('mu', normal(0, 1));
  observe('x', normal(mu, 1), tf.tensor1d([0.5, -0.2]).reshape([2]).sum());
  return mu;
}

const scalarOf = (t: tf.Tensor): number => t.dataSync()[0]!;

function errorOf(f: () => unknown): RouletteError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RouletteError);
    return e as RouletteError;
  }
  throw new Error('expected a RouletteError');
}

afterEach(() => {
  clearParamStore();
  expect(activeHandlers()).toHaveLength(0);
});

describe('trace', () => {
  it('records sites in execution order with value, distribution and log-prob', () => {
    const tr = trace(seed(model, 1)).getTrace();
    expect(tr.siteList.map((s) => s.name)).toEqual(['mu', 'x']);
    const mu = tr.sample('mu');
    expect(mu.observed).toBe(false);
    expect(mu.kind).toBe('latent');
    expect(mu.reparameterized).toBe(true);
    const v = scalarOf(mu.value);
    expect(scalarOf(mu.logProb)).toBeCloseTo(-0.5 * v * v - 0.5 * Math.log(2 * Math.PI), 5);
    const x = tr.sample('x');
    expect(x.observed).toBe(true);
    expect(scalarOf(x.logProb)).toBeCloseTo(-0.5 * (0.3 - v) ** 2 - 0.5 * Math.log(2 * Math.PI), 5);
    expect(tr.returnValue).toBe(mu.value);
  });

  it('rejects duplicate site names, naming the site', () => {
    const twice = (): void => {
      sample('z', normal(0, 1));
      sample('z', normal(0, 1));
    };
    const e = errorOf(() => trace(twice).getTrace());
    expect(e.code).toBe('duplicate-site');
    expect(e.message).toMatch(/'z'/);
  });

  it('rejects async programs', () => {
    const asyncModel = async (): Promise<void> => {
      sample('z', normal(0, 1));
    };
    const e = errorOf(() => trace(asyncModel).getTrace());
    expect(e.code).toBe('async-model');
  });

  it('unwinds the handler stack and random scope when the program throws', () => {
    const before = currentRandom();
    const failing = (): void => {
      sample('z', normal(0, 1));
      throw new Error('boom');
    };
    expect(() => trace(condition(seed(failing, 3), { z: tf.scalar(1) })).getTrace()).toThrow('boom');
    expect(activeHandlers()).toHaveLength(0);
    expect(currentRandom().shared).toBe(before.shared);
  });
});

describe('replay, condition, substitute', () => {
  it('replay reuses latent values of another trace', () => {
    const guideTrace = trace(seed(model, 7)).getTrace();
    const replayed = trace(seed(replay(model, guideTrace), 99)).getTrace();
    expect(scalarOf(replayed.sample('mu').value)).toBe(scalarOf(guideTrace.sample('mu').value));
  });

  it('condition observes a site and errors on names the program never visits', () => {
    const tr = trace(condition(model, { mu: tf.scalar(0.25) })).getTrace();
    expect(tr.sample('mu').observed).toBe(true);
    expect(scalarOf(tr.sample('mu').value)).toBe(0.25);
    const e = errorOf(() => trace(condition(model, { typo: tf.scalar(1) })).getTrace());
    expect(e.code).toBe('unvisited-observation');
    expect(e.message).toMatch(/'typo'/);
  });

  it('substitute fixes samples (not observed) and params', () => {
    const withParam = (): tf.Tensor => sample('z', normal(param('m', 0), 1));
    const tr = trace(substitute(withParam, { m: tf.scalar(3), z: tf.scalar(2) })).getTrace();
    expect(tr.sample('z').observed).toBe(false);
    expect(scalarOf(tr.sample('z').value)).toBe(2);
    expect(scalarOf(tr.sample('z').logProb)).toBeCloseTo(-0.5 - 0.5 * Math.log(2 * Math.PI), 5);
  });

  it('the innermost handler that supplies a value wins', () => {
    const inner = substitute(model, { mu: tf.scalar(1) });
    const tr = trace(substitute(inner, { mu: tf.scalar(2) })).getTrace();
    expect(scalarOf(tr.sample('mu').value)).toBe(1);
    // condition inside replay: the observation is not overwritten by the replayed value
    const guideTrace = trace(seed(model, 5)).getTrace();
    const tr2 = trace(replay(condition(model, { mu: tf.scalar(0.5) }), guideTrace)).getTrace();
    expect(scalarOf(tr2.sample('mu').value)).toBe(0.5);
    expect(tr2.sample('mu').observed).toBe(true);
  });
});

describe('block, scale, mask', () => {
  it('block hides sites from outer handlers', () => {
    expect(trace(block(model, { hide: ['mu'] })).getTrace().siteList.map((s) => s.name)).toEqual(['x']);
    expect(trace(block(model, { expose: ['mu'] })).getTrace().siteList.map((s) => s.name)).toEqual(['mu']);
    expect(trace(block(model)).getTrace().siteList).toHaveLength(0);
  });

  it('scale multiplies log-probs and composes multiplicatively', () => {
    const base = trace(substitute(model, { mu: tf.scalar(0.1) })).getTrace();
    const scaled = trace(scale(scale(substitute(model, { mu: tf.scalar(0.1) }), 2), 3)).getTrace();
    expect(scaled.sample('x').scale).toBe(6);
    expect(scalarOf(scaled.sample('x').logProb)).toBeCloseTo(6 * scalarOf(base.sample('x').logProb), 4);
  });

  it('scale rejects negative factors', () => {
    const e = errorOf(() => scale(model, -1)());
    expect(e.code).toBe('invalid-scale');
  });

  it('mask zeroes masked log-prob terms', () => {
    const vectorModel = (): void => {
      sample('z', normal(tf.zeros([3]), 1));
    };
    const tr = trace(mask(seed(vectorModel, 2), tf.tensor1d([true, false, true], 'bool'))).getTrace();
    const lp = tr.sample('z').logProb.arraySync() as number[];
    expect(lp[1]).toBe(0);
    expect(lp[0]).toBeLessThan(0);
  });
});

describe('factor', () => {
  it('adds its log weight as an observed site', () => {
    const withFactor = (): void => factor('f', tf.tensor1d([-1, -2]));
    const tr = trace(withFactor).getTrace();
    expect(tr.sample('f').kind).toBe('factor');
    expect(scalarOf(tr.logProbSum())).toBeCloseTo(-3, 6);
  });
});

describe('seed', () => {
  it('same seed gives the same numbers, different seeds differ', () => {
    const a = trace(seed(model, 11)).getTrace();
    const b = trace(seed(model, 11)).getTrace();
    const c = trace(seed(model, 12)).getTrace();
    expect(scalarOf(a.sample('mu').value)).toBe(scalarOf(b.sample('mu').value));
    expect(scalarOf(a.sample('mu').value)).not.toBe(scalarOf(c.sample('mu').value));
  });
});
