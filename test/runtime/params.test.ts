import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { param, sample } from '../../src/dsl/primitives.js';
import { mlp } from '../../src/dsl/nn.js';
import { interval, lowerCholesky, simplex } from '../../src/runtime/constraints.js';
import { clearParamStore, getParamStore, ParamStore, RouletteError, seed, trace, withRole } from '../../src/runtime/index.js';

afterEach(() => clearParamStore());

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('param', () => {
  it('creates once, then reads the stored value through the constraint', () => {
    const a = param('sigma', 2, { constraint: 'positive' });
    expect(values(a)[0]).toBeCloseTo(2, 6);
    expect(values(getParamStore().variable('sigma'))[0]).toBeCloseTo(Math.log(2), 6);
    const b = param('sigma', 100, { constraint: 'positive' });
    expect(values(b)[0]).toBeCloseTo(2, 6); // init ignored after creation
  });

  it('records which program created each param', () => {
    const model = (): tf.Tensor => sample('z', normal(param('theta', 0), 1));
    const guide = (): tf.Tensor => sample('z', normal(param('phi', 0), 1));
    withRole(model, 'model')();
    withRole(guide, 'guide')();
    expect(getParamStore().names('model')).toEqual(['theta']);
    expect(getParamStore().names('guide')).toEqual(['phi']);
    expect(trace(withRole(model, 'model')).getTrace().paramSites()[0]?.role).toBe('model');
  });

  it('rejects unknown constraints, out-of-set initial values and changed constraints', () => {
    expect(() => param('x', 1, { constraint: 'postive' as never })).toThrowError(/unknown constraint/);
    try {
      param('y', -1, { constraint: 'positive' });
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      expect((e as RouletteError).code).toBe('param-error');
      expect((e as RouletteError).message).toMatch(/param 'y'.*positive/);
    }
    param('z', 0.5, { constraint: 'unitInterval' });
    expect(() => param('z', 0.5, { constraint: 'positive' })).toThrowError(/constraint unitInterval/);
  });

  it('round-trips every constraint through the unconstrained variable', () => {
    const store = new ParamStore();
    const simplexInit = tf.tensor1d([0.1, 0.6, 0.3]);
    const chol = tf.tensor2d([[2, 0], [0.5, 0.3]]);
    expect(values(store.value('s', simplexInit, simplex))).toEqual(
      values(simplexInit).map((v) => expect.closeTo(v, 5)),
    );
    expect(values(store.value('L', chol, lowerCholesky))).toEqual(values(chol).map((v) => expect.closeTo(v, 5)));
    expect(values(store.value('u', 3, interval(2, 5)))[0]).toBeCloseTo(3, 5);
    store.clear();
  });
});


describe('save and load', () => {
  it('round-trips params through JSON, atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roulette-params-'));
    const path = join(dir, 'nested', 'params.json');
    seed(() => {
      mlp('net', [3, 4, 2])(tf.ones([5, 3]));
      param('scale', 0.7, { constraint: 'positive' });
      param('w', 0.25, { constraint: interval(0, 2) });
    }, 1)();
    const before = getParamStore().snapshot();
    await getParamStore().save(path);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['params.json']); // no temp file left behind
    expect(JSON.parse(readFileSync(path, 'utf8')).params.scale.value[0]).toBeCloseTo(0.7, 6);

    clearParamStore();
    await getParamStore().load(path);
    expect(getParamStore().snapshot()).toEqual(before);
    expect(values(param('scale', undefined, { constraint: 'positive' }))[0]).toBeCloseTo(0.7, 6);
    expect(values(param('w', undefined, { constraint: interval(0, 2) }))[0]).toBeCloseTo(0.25, 6);
  });

  it('loading overwrites existing variables in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roulette-params-'));
    const path = join(dir, 'p.json');
    param('a', 1);
    await getParamStore().save(path);
    const variable = getParamStore().variable('a');
    variable.assign(tf.scalar(5));
    await getParamStore().load(path);
    expect(getParamStore().variable('a')).toBe(variable);
    expect(values(variable)[0]).toBe(1);
  });

  it('reports a missing file with its path', async () => {
    await expect(getParamStore().load('/nonexistent/params.json')).rejects.toThrowError(/\/nonexistent\/params.json/);
  });
});
