import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { normal } from '../../src/dsl/distributions/index.js';
import { deterministic, observe, sample } from '../../src/dsl/primitives.js';
import { plate, replay, RouletteError, seed, trace } from '../../src/index.js';

describe('plate', () => {
  it('broadcasts sites along its dim and nests from the right', () => {
    const nested = (): void => {
      plate('outer', 3, () => {
        sample('a', normal(0, 1));
        plate('inner', 4, () => {
          sample('b', normal(0, 1));
          deterministic('d', tf.scalar(1));
        });
      });
    };
    const tr = trace(seed(nested, 1)).getTrace();
    expect(tr.sample('a').value.shape).toEqual([3]);
    expect(tr.sample('b').value.shape).toEqual([4, 3]);
    expect(tr.sample('b').plates.map((p) => [p.name, p.dim])).toEqual([
      ['inner', -2],
      ['outer', -1],
    ]);
    const d = tr.get('d');
    expect(d?.type === 'deterministic' && d.plates.length).toBe(2);
  });

  it('subsamples without replacement and scales log-probs by N / B', () => {
    const data = tf.range(0, 100);
    const sub = (): tf.Tensor =>
      plate(
        'data',
        100,
        (idx) => {
          observe('x', normal(0, 1), tf.gather(data, idx));
          return idx;
        },
        { subsample: 10 },
      );
    const tr = trace(seed(sub, 4)).getTrace();
    const idx = Array.from(tr.returnValue instanceof tf.Tensor ? tr.returnValue.dataSync() : []);
    expect(idx).toHaveLength(10);
    expect(new Set(idx).size).toBe(10);
    expect(idx.every((i) => i >= 0 && i < 100)).toBe(true);
    const site = tr.sample('x');
    expect(site.scale).toBe(10);
    const values = site.value.dataSync();
    const expected = Array.from(values).map((v) => 10 * (-0.5 * v * v - 0.5 * Math.log(2 * Math.PI)));
    const got = Array.from(site.logProb.dataSync());
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 2));
  });

  it('draws every index equally often (subsampling is uniform)', () => {
    const counts = new Array<number>(20).fill(0);
    const sub = (): tf.Tensor => plate('data', 20, (idx) => idx, { subsample: 5 });
    for (let s = 0; s < 400; s++) for (const i of seed(sub, s)().dataSync()) counts[i]!++;
    // each index is chosen with probability 1/4 per draw: 100 expected, sd ~ 8.7
    for (const c of counts) expect(Math.abs(c - 100)).toBeLessThan(4 * Math.sqrt(400 * 0.25 * 0.75));
  });

  it('replay reuses the guide subsample in the model', () => {
    const prog = (): tf.Tensor => plate('data', 50, (idx) => idx, { subsample: 7 });
    const g = trace(seed(prog, 1)).getTrace();
    const m = trace(seed(replay(prog, g), 2)).getTrace();
    expect(Array.from((m.returnValue as tf.Tensor).dataSync())).toEqual(Array.from((g.returnValue as tf.Tensor).dataSync()));
  });

  it('reports a site whose batch shape conflicts with the plate, naming both', () => {
    const bad = (): void => {
      plate('data', 5, () => {
        sample('z', normal(tf.zeros([3]), 1));
      });
    };
    try {
      trace(bad).getTrace();
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      expect((e as RouletteError).code).toBe('shape-mismatch');
      expect((e as RouletteError).message).toMatch(/site 'z' in plate 'data'/);
    }
  });

  it('reports observed data whose shape does not fit the plate', () => {
    const bad = (): void => {
      plate('data', 5, () => observe('x', normal(0, 1), tf.zeros([6])));
    };
    expect(() => trace(bad).getTrace()).toThrowError(/site 'x'.*does not broadcast/);
  });

  it('validates its arguments', () => {
    expect(() => plate('p', 0, () => 0)).toThrowError(RouletteError);
    expect(() => plate('p', 5, () => 0, { subsample: 6 })).toThrowError(/subsample/);
  });
});
