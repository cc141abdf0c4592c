import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { EarlyStopping } from '../../src/inference/early-stopping.js';
import { elbo } from '../../src/inference/elbo.js';
import { adam, schedules } from '../../src/inference/optim.js';
import { loadParamsFor, programParams } from '../../src/inference/program-params.js';
import { svi } from '../../src/inference/svi.js';
import { clearParamStore, getParamStore, plate } from '../../src/index.js';

/**
 * svi's training-loop conveniences (issue 18 item 5): `fit(...)` with onStep, early stopping and an
 * abort signal; the optimiser's state saved and restored so a resumed fit takes exactly the steps an
 * unbroken one takes; and loading a params file for a program (issue 17 item 4).
 */

afterEach(() => clearParamStore());
const dir = mkdtempSync(join(tmpdir(), 'roulette-fit-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The README's model: the mean of five points, prior N(0, 10^2), noise sd 0.5. Exact posterior:
// precision 1/100 + 5/0.25, mean (10.5 / 0.25) / precision.
const xs = [2.1, 1.7, 2.5, 1.9, 2.3];
const precision = 1 / 100 + 5 / 0.25;
const exactMean = 10.5 / 0.25 / precision;
const exactSd = 1 / Math.sqrt(precision);
const model = (data: tf.Tensor1D): void => {
  const mu = sample('mu', normal(0, 10));
  plate('data', 5, () => observe('x', normal(mu, 0.5), data));
};
const guide = (): void => {
  sample('mu', normal(param('loc', 0), param('scale', 1, { constraint: 'positive' })));
};
const values = (name: string): number[] => Array.from(getParamStore().variable(name).dataSync());
const params = (): Map<string, tf.Variable> => new Map(getParamStore().names().map((n) => [n, getParamStore().variable(n)] as const));

describe('EarlyStopping', () => {
  it('stops when the windowed mean has not beaten its best by more than minDelta for patience steps', () => {
    // Window 2: means 0.5, 1.5, 2.1 (each beats the best by > 0.5), then 2.25, 2.35, 2.5 (none beats 2.1 + 0.5).
    const rule = new EarlyStopping({ patience: 3, minDelta: 0.5, window: 2 });
    const sequence = [0, 1, 2, 2.2, 2.3, 2.4, 2.6, 9];
    const stopAt = sequence.findIndex((v) => rule.update(v));
    expect(stopAt).toBe(6); // the seventh step
    expect(rule.best).toBeCloseTo(2.1, 12);
    expect(rule.sinceImprovement).toBe(3);
    // Any rise counts with minDelta 0: a steadily rising objective never stops.
    const rising = new EarlyStopping({ patience: 1, window: 3 });
    expect(Array.from({ length: 100 }, (_, i) => rising.update(Math.log(1 + i))).some(Boolean)).toBe(false);
  });

  it('refuses bad options, naming them', () => {
    expect(() => new EarlyStopping({ patience: 0 })).toThrowError(/earlyStopping: option patience must be an integer >= 1, got 0/);
    expect(() => new EarlyStopping({ patience: 5, minDelta: -1 })).toThrowError(/option minDelta must be/);
    expect(() => new EarlyStopping({ patience: 5, windw: 3 } as never)).toThrowError(/unknown option 'windw' \(did you mean 'window'\?\)/);
    expect(() => new EarlyStopping({} as never)).toThrowError(/patience is required/);
  });
});

describe('svi(...).fit', () => {
  it('calls onStep after every step, stops when it returns false or the signal aborts', async () => {
    const data = tf.tensor1d(xs);
    const fit = svi(model, guide, { estimator: elbo(), optimizer: adam({ lr: 0.05 }), seed: 1 });
    const seen: number[] = [];
    const r = await fit.fit({ steps: 100, onStep: (result, step) => (seen.push(step), Number.isFinite(result.logMarginal) && step < 5) }, data);
    expect([r.steps, r.stopped, seen]).toEqual([5, 'callback', [1, 2, 3, 4, 5]]);
    const controller = new AbortController();
    const aborted = await fit.fit({ steps: 100, signal: controller.signal, onStep: (_, step) => void (step === 8 && controller.abort()) }, data);
    expect([aborted.steps, aborted.stopped, fit.steps]).toEqual([3, 'aborted', 8]);
    await expect(fit.fit({ steps: 0 }, data)).rejects.toThrowError(/fit: option steps must be an integer >= 1, got 0/);
    await expect(fit.fit({ stps: 10 } as never, data)).rejects.toThrowError(/fit: unknown option 'stps' \(did you mean 'steps'\?\)/);
    await expect(fit.fit({ steps: 10, earlyStopping: { patience: -2 } }, data)).rejects.toThrowError(/earlyStopping: option patience must be an integer >= 1/);
    data.dispose();
  });

  it('early stopping ends a converged fit long before its step budget, at the exact posterior', async () => {
    const data = tf.tensor1d(xs);
    const fit = svi(model, guide, { estimator: elbo({ particles: 10 }), optimizer: adam({ lr: 0.05 }), seed: 0 });
    const r = await fit.fit({ steps: 20000, earlyStopping: { patience: 200, minDelta: 0.01, window: 50 } }, data);
    expect(r.stopped).toBe('early');
    expect(r.steps).toBeLessThan(5000);
    // Converged: the fitted mean and sd are the exact posterior's (a diagonal normal guide is exact here)
    // to a small fraction of the posterior sd (SGD noise at lr 0.05).
    expect(Math.abs(values('loc')[0]! - exactMean) / exactSd).toBeLessThan(0.1);
    expect(Math.abs(Math.exp(values('scale')[0]!) / exactSd - 1)).toBeLessThan(0.1);
    data.dispose();
  });

  it('leaks no tensors across fits', async () => {
    const data = tf.tensor1d(xs);
    const fit = svi(model, guide, { estimator: elbo(), optimizer: adam({ lr: 0.01 }), seed: 2 });
    await fit.fit({ steps: 10 }, data);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await fit.fit({ steps: 20, earlyStopping: { patience: 5, window: 3 } }, data);
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });
});

describe('resuming a fit: the optimiser state saved with the params', () => {
  const options = { estimator: elbo({ particles: 2 }), seed: 7 } as const;
  // A schedule too: it reads the optimiser's step count, which the state carries.
  const lr = (): ReturnType<typeof schedules.cosine> => schedules.cosine(0.05, 200, 0.001);

  async function unbroken(): Promise<number[]> {
    const data = tf.tensor1d(xs);
    await svi(model, guide, { ...options, optimizer: adam({ lr: lr() }) }).fit({ steps: 200 }, data);
    data.dispose();
    return [...values('loc'), ...values('scale')];
  }

  async function resumed(restoreState: boolean): Promise<number[]> {
    const data = tf.tensor1d(xs);
    const file = join(dir, `half-${restoreState}.json`);
    const first = adam({ lr: lr() });
    const a = svi(model, guide, { ...options, optimizer: first });
    await a.fit({ steps: 100 }, data);
    await getParamStore().save(file, { meta: { steps: a.steps }, optimizer: first.state!(params()) });
    clearParamStore();
    // A new process, as far as the params and the optimiser know.
    const loaded = await loadParamsFor(model, guide, [data], file);
    const second = adam({ lr: lr() });
    if (restoreState) second.setState!(loaded.snapshot.optimizer!, params());
    const b = svi(model, guide, { ...options, optimizer: second, initialStep: loaded.snapshot.meta!.steps! });
    await b.fit({ steps: 100 }, data);
    expect(b.steps).toBe(200);
    data.dispose();
    return [...values('loc'), ...values('scale')];
  }

  it('200 steps in one go equal 100 + 100 resumed from the file, seed for seed; without the state they do not', async () => {
    const whole = await unbroken();
    clearParamStore();
    const split = await resumed(true);
    clearParamStore();
    const fresh = await resumed(false);
    for (let i = 0; i < whole.length; i++) expect(Math.abs(split[i]! - whole[i]!)).toBeLessThan(1e-6);
    // The wrong variant (Adam's moments and step count lost) is visibly off.
    expect(Math.max(...whole.map((w, i) => Math.abs(fresh[i]! - w)))).toBeGreaterThan(1e-3);
  });

  it("setState refuses another optimiser's state and slots of the wrong size", () => {
    param('loc', 0);
    const state = { name: 'rmsprop', iterations: 3, slots: {} };
    expect(() => adam().setState!(state, params())).toThrowError(/adam\.setState: the state is rmsprop's/);
    expect(() => adam().setState!({ name: 'adam', iterations: 3, slots: { loc: { m: [1, 2] } } }, params())).toThrowError(/slot 'm' of 'loc' has 2 values and the param 1/);
    expect(() => adam().setState!(null as never, params())).toThrowError(/adam\.setState: expected a state from optimizer\.state\(params\)/);
    expect(() => adam().state!({} as never)).toThrowError(/params must be a Map from param names to their variables/);
  });
});

describe('loadParamsFor', () => {
  const otherModel = (data: tf.Tensor1D): void => {
    const mu = sample('mu', normal(0, 10));
    plate('data', 5, () => observe('x', normal(mu, 0.5), data));
  };
  const otherGuide = (): void => {
    sample('mu', normal(param('mu.w', tf.zeros([3])).sum(), param('mu.s', 1, { constraint: 'positive' })));
  };

  it("refuses a file of another program, listing missing, extra and wrong-shape params; partial loads only what matches", async () => {
    const data = tf.tensor1d(xs);
    expect([...programParams(model, guide, [data])]).toEqual([['loc', []], ['scale', []]]);
    expect(getParamStore().names()).toEqual([]); // the store in use is untouched
    param('loc', tf.zeros([2])); // the right name, another shape
    param('mu.w', tf.zeros([3]));
    const file = join(dir, 'other.json');
    await getParamStore().save(file);
    clearParamStore();
    await expect(loadParamsFor(model, guide, [data], file)).rejects.toThrowError(
      /other\.json does not hold this program's params: missing scale; not params of this program: mu\.w; other shapes: loc \(saved \[2\], the program's \[\]\)/,
    );
    expect(getParamStore().names()).toEqual([]);
    const partial = await loadParamsFor(otherModel, otherGuide, [data], file, { partial: true });
    expect(partial.ignored).toEqual(['loc']);
    expect(partial.fresh).toEqual(['mu.s']);
    expect(getParamStore().names()).toEqual(['mu.w']);
    data.dispose();
  });

  it('leaks no tensors: the scratch run is disposed, a second load assigns in place', async () => {
    const data = tf.tensor1d(xs);
    param('loc', 1);
    param('scale', 1, { constraint: 'positive' });
    const file = join(dir, 'mine.json');
    await getParamStore().save(file);
    await loadParamsFor(model, guide, [data], file);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      programParams(model, guide, [data]);
      await loadParamsFor(model, guide, [data], file);
    }
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });
});
