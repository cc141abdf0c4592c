import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import { observe, sample } from '../../../src/dsl/primitives.js';
import { autoGuide } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import { bijections, clearParamStore, plate, seed, trace } from '../../../src/index.js';
import { fit } from './helpers.js';

/**
 * Automatic guides on the prior distributions' supports: halfNormal and halfCauchy (positive),
 * truncatedNormal (greaterThan / lessThan / interval by its bounds) and transformed (the image of the
 * base's support, here [1, inf) for 1 + a half-normal).
 */

afterEach(() => clearParamStore());

const y = tf.tensor1d([0.9, -0.4, 1.3, 0.2, 0.5, -1.1, 0.7]);
const n = 7;
const sumSquares = [0.9, -0.4, 1.3, 0.2, 0.5, -1.1, 0.7].reduce((a, v) => a + v * v, 0);

/** The root of a derivative that is positive left of it and negative right of it on [a, b] (float64 bisection). */
function bisect(f: (x: number) => number, a: number, b: number): number {
  let [lo, hi] = [a, b];
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

describe('the delta autoguide finds exact modes on the new supports', () => {
  it('sigma ~ 1 + halfNormal(1) (a transformed law on [1, inf)), y ~ N(0, sigma)', () => {
    const model = (x: tf.Tensor): void => {
      const sigma = sample('sigma', dist.transformed(dist.halfNormal(1), bijections.affine(1, 1)));
      plate('data', n, () => observe('y', dist.normal(0, sigma), x));
    };
    const guide = autoGuide(model, { family: 'delta' });
    // Data spread 3x wider, so the mode lies inside (1, inf) rather than on its edge.
    fit(model, guide, [tf.mul(y, 3)], { steps: 600, estimator: elbo(), lr: 0.05 });
    const map = guide.median()['sigma']!.dataSync()[0]!;
    // d/dsigma [-(sigma - 1)^2 / 2 - n log sigma - S / (2 sigma^2)] = 0, S = 9 sum y^2.
    const exact = bisect((s) => -(s - 1) - n / s + (9 * sumSquares) / s ** 3, 1, 10);
    expect(map).toBeGreaterThanOrEqual(1);
    expect(Math.abs(map - exact), `MAP ${map} vs ${exact}`).toBeLessThan(1e-3);
  });

  it('mu ~ truncatedNormal(0, 1, -Infinity, 0.5) (lessThan): the mode sits inside, at sum y / (n + 1)', () => {
    const model = (x: tf.Tensor): void => {
      const mu = sample('mu', dist.truncatedNormal(0, 1, -Infinity, 0.5));
      plate('data', n, () => observe('y', dist.normal(mu, 1), x));
    };
    const guide = autoGuide(model, { family: 'delta' });
    fit(model, guide, [y], { steps: 600, estimator: elbo(), lr: 0.05 });
    const exact = 2.1 / 8;
    expect(Math.abs(guide.median()['mu']!.dataSync()[0]! - exact)).toBeLessThan(1e-3);
  });
});

describe('the normal autoguide draws inside the supports', () => {
  it('halfCauchy, truncatedNormal with tensor bounds made outside the model, and a transformed law', () => {
    const low = tf.tensor1d([-1, 0]);
    const high = tf.tensor1d([1, 3]);
    const model = (x: tf.Tensor): void => {
      const tau = sample('tau', dist.halfCauchy(1));
      const w = sample('w', dist.truncatedNormal(0, 1, low, high).toEvent(1));
      const r = sample('r', dist.transformed(dist.normal(0, 1), bijections.sigmoid));
      plate('data', n, () => observe('y', dist.normal(tf.add(tf.sum(w), r), tau), x));
    };
    const guide = autoGuide(model, { family: 'normal' });
    const losses = fit(model, guide, [y], { steps: 200, estimator: elbo({ particles: 4 }), lr: 0.05 });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(guide.sites!.map((s) => [s.name, s.support])).toEqual([
      ['tau', 'positive numbers'],
      ['w', 'the interval [tensor[2], tensor[2]]'],
      ['r', 'the interval [0, 1]'],
    ]);
    const draws = tf.tidy(() => {
      const t = trace(seed(guide, 4)).getTrace(y);
      return { tau: t.sample('tau').value.dataSync()[0]!, w: Array.from(t.sample('w').value.dataSync()), r: t.sample('r').value.dataSync()[0]! };
    });
    expect(draws.tau).toBeGreaterThan(0);
    expect(draws.w[0]!).toBeGreaterThanOrEqual(-1);
    expect(draws.w[0]!).toBeLessThanOrEqual(1);
    expect(draws.w[1]!).toBeGreaterThanOrEqual(0);
    expect(draws.w[1]!).toBeLessThanOrEqual(3);
    expect(draws.r).toBeGreaterThan(0);
    expect(draws.r).toBeLessThan(1);
  });
});
