import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { multivariateNormal, normal } from '../../../src/dsl/distributions/index.js';
import { reinterpretConstraint } from '../../../src/dsl/distributions/independent.js';
import { CouplingFlow, type CouplingLayer } from '../../../src/inference/autoguide/coupling.js';
import { JointSlice } from '../../../src/inference/autoguide/joint-slice.js';
import { LowRankMultivariateNormal } from '../../../src/inference/autoguide/low-rank-mvn.js';
import { TransformedDistribution } from '../../../src/inference/autoguide/transformed.js';
import { biject } from '../../../src/runtime/constraints.js';
import { constraints, Stream, type Constraint } from '../../../src/runtime/index.js';
import { jacobian, logAbsDet } from './helpers.js';

const values = (t: tf.Tensor): number[] => Array.from(tf.tidy(() => t.dataSync()));

/** Free coordinates of a constrained value: all but the simplex's last entry, the Cholesky factor's lower triangle. */
function freeCoordinates(c: Constraint, y: number[], n: number): number[] {
  if (c.name === 'simplex') return y.slice(0, -1);
  if (c.name === 'lowerCholesky') return y.filter((_, k) => Math.floor(k / n) >= k % n);
  return y;
}

// Every continuous support, with an unconstrained point (shape of one event) to differentiate at.
const supports: ReadonlyArray<readonly [string, Constraint, number[], number[]]> = [
  ['real', constraints.real, [0.7], []],
  ['positive', constraints.positive, [-0.4], []],
  ['greaterThan(2)', constraints.greaterThan(2), [0.3], []],
  ['lessThan(1)', constraints.lessThan(1), [1.2], []],
  ['interval(-1, 3)', constraints.interval(-1, 3), [0.9], []],
  ['unitInterval', constraints.unitInterval, [-1.3], []],
  ['interval(tensor bounds)', constraints.interval(tf.scalar(-2), tf.scalar(0.5)), [0.2], []],
  ['simplex (4 categories)', constraints.simplex, [0.3, -0.8, 1.1], [4]],
  ['lowerCholesky (3 x 3)', constraints.lowerCholesky, [0.2, 9, 9, -0.5, 0.4, 9, 0.7, 1.1, -0.3], [3, 3]],
  ['positive, toEvent(1)', reinterpretConstraint(constraints.positive, 1), [0.5, -1, 0.2], [3]],
  ['simplex, toEvent(1)', reinterpretConstraint(constraints.simplex, 1), [0.3, -0.2, 0.5, 1.0], [2, 3]],
];

describe('log-Jacobians against numerical differentiation', () => {
  it.each(supports)('%s', (_name, c, x, event) => {
    const t = c.transform!;
    const uShape = t.unconstrainedShape(event);
    const forward = (v: number[]): number[] => values(tf.tidy(() => t.forward(tf.tensor(v, uShape))));
    const n = event[event.length - 1] ?? 1;
    // Unused (upper) entries of a Cholesky parameter stay fixed: differentiate w.r.t. the free ones.
    const positions = x.flatMap((_, k) => (c.name !== 'lowerCholesky' || Math.floor(k / n) >= k % n ? [k] : []));
    // toEvent(1) of a simplex: independent rows, so a block-diagonal Jacobian (log-det = sum over rows).
    const rows = c.name === 'simplex' && event.length === 2 ? event[0]! : 1;
    const per = positions.length / rows;
    let numeric = 0;
    for (let r = 0; r < rows; r++) {
      const f = (v: number[]): number[] => {
        const full = [...x];
        v.forEach((vi, i) => (full[positions[r * per + i]!] = vi));
        const y = forward(full);
        const row = y.slice((r * y.length) / rows, ((r + 1) * y.length) / rows);
        return freeCoordinates(c, row, n);
      };
      numeric += logAbsDet(jacobian(f, positions.slice(r * per, (r + 1) * per).map((p) => x[p]!)));
    }
    const analytic = values(tf.tidy(() => tf.sum(t.logAbsDetJacobian(tf.tensor(x, uShape)))))[0]!;
    expect(Math.abs(analytic - numeric), `analytic ${analytic}, numeric ${numeric}`).toBeLessThan(2e-3);
  });
});

describe('support bijections', () => {
  it.each(supports)('%s: the gradient through forward and log|det J| matches finite differences', (_name, c, x, event) => {
    const t = biject(c, 'test');
    const safe = t;
    const uShape = t.unconstrainedShape(event);
    const point = tf.tensor(x, uShape);
    // d/dx of sum(forward(x) * weights) + sum(ldj(x)): through tf.grad (it fails with tf.logSigmoid).
    const weights = tf.tidy(() => tf.add(tf.range(0, t.forward(point).size), 1).reshape(t.forward(point).shape));
    const objective = (z: tf.Tensor, tr: typeof t): tf.Tensor => tf.add(tf.sum(tf.mul(tr.forward(z), weights)), tf.sum(tr.logAbsDetJacobian(z)));
    const grad = values(tf.grad((z: tf.Tensor) => objective(z, safe))(point));
    const numeric = jacobian((v) => values(tf.tidy(() => objective(tf.tensor(v, uShape), t))), x, 1e-2)[0]!;
    grad.forEach((g, i) => expect(Math.abs(g - numeric[i]!), `coordinate ${i}: ${g} vs ${numeric[i]}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(g))));
  });
});

describe('TransformedDistribution', () => {
  it.each(supports.filter(([name]) => !name.startsWith('lowerCholesky')))(
    '%s: log q(y) = log N(x) - log |det dy/dx| at x = T^-1(y), and draws lie in the support',
    (_name, c, x, event) => {
      const t = c.transform!;
      const uShape = t.unconstrainedShape(event);
      const loc = tf.tensor(x.map((v) => v * 0.5), uShape);
      const base = normal(loc, 0.8);
      const q = new TransformedDistribution(uShape.length > 0 ? base.toEvent(uShape.length) : base, c, event);
      const y = tf.tidy(() => t.forward(tf.tensor(x, uShape)));
      const expected = tf.tidy(() => tf.sub(tf.sum(normal(loc, 0.8).logProb(tf.tensor(x, uShape))), tf.sum(t.logAbsDetJacobian(tf.tensor(x, uShape)))));
      expect(values(q.logProb(y))[0]).toBeCloseTo(values(expected)[0]!, 4);
      const draws = q.expand([200]).sample();
      const inside = tf.tidy(() => tf.all(c.check(draws)).dataSync()[0]);
      expect(inside).toBe(1);
      expect(q.expand([3]).logProb(tf.stack([y, y, y])).shape).toEqual([3]);
    },
  );

  it('integrates to 1 on the unit interval', () => {
    const q = new TransformedDistribution(normal(0.4, 0.9), constraints.unitInterval, []);
    const n = 4000;
    const grid = tf.linspace(0.5 / n, 1 - 0.5 / n, n);
    const total = tf.tidy(() => tf.sum(tf.exp(q.logProb(grid))).dataSync()[0]! / n);
    expect(total).toBeCloseTo(1, 3);
  });

  it('is -Infinity outside the support, and keeps the name and moments of the base on real space', () => {
    const q = new TransformedDistribution(normal(0, 1), constraints.positive, []);
    expect(values(q.logProb(tf.tensor1d([-1, 0])))).toEqual([-Infinity, -Infinity]);
    const r = new TransformedDistribution(normal(2, 3), constraints.real, []);
    expect(r.name).toBe('normal');
    expect(values(r.mean())).toEqual([2]);
    expect(() => q.mean()).toThrow(/no closed form/);
  });

  it('gives finite gradients of log q(rsample) w.r.t. its parameters', () => {
    const loc = tf.variable(tf.tensor1d([0.2, -0.3]));
    const { grads } = tf.variableGrads(() => {
      const q = new TransformedDistribution(normal(loc, 0.5).toEvent(1), constraints.simplex, [3]);
      return tf.sum(q.logProb(q.rsample())) as tf.Scalar;
    }, [loc]);
    expect(values(tf.all(tf.isFinite(grads[loc.name]!)))[0]).toBe(1);
  });
});

describe('joint laws', () => {
  it('LowRankMultivariateNormal has the density of N(loc, W W^T + diag(d)^2)', () => {
    const loc = tf.tensor1d([0.5, -1, 0.2]);
    const w = tf.tensor2d([[0.3, -0.2], [0.8, 0.1], [-0.4, 0.6]]);
    const d = tf.tensor1d([0.5, 0.7, 0.4]);
    const low = new LowRankMultivariateNormal(loc, w, d);
    const dense = multivariateNormal(loc, { covariance: tf.add(tf.matMul(w, w, false, true), tf.diag(tf.square(d))) });
    const x = tf.tensor2d([[0.1, 0.2, 0.3], [-1, 0.5, 2]]);
    const a = values(low.expand([2]).logProb(x));
    const b = values(dense.expand([2]).logProb(x));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
    const draws = low.expand([20000]).sample(); // covariance of draws vs W W^T + diag(d)^2
    const centred = tf.sub(draws, tf.mean(draws, 0));
    const cov = values(tf.div(tf.matMul(centred, centred, true, false), 20000));
    const exact = values(tf.add(tf.matMul(w, w, false, true), tf.diag(tf.square(d))));
    cov.forEach((v, i) => expect(Math.abs(v - exact[i]!)).toBeLessThan(0.03));
  });

  it('CouplingFlow: log q(u) = log N(eps) - log |det du/deps| (numerical Jacobian), and its inverse is exact', () => {
    const s = Stream.fromSeed('flow-density');
    const dim = 3;
    const random = (shape: number[]): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.7 * s.normal()), shape);
    const layer = (keep: number[], change: number[]): CouplingLayer => {
      const w1 = random([keep.length, 5]);
      const w2 = random([5, 2 * change.length]);
      return { keep, change, net: (h) => tf.matMul(tf.tanh(tf.matMul(tf.reshape(h, [-1, keep.length]), w1)), w2).reshape([...h.shape.slice(0, -1), 2 * change.length]) };
    };
    const loc = tf.tensor1d([0.3, -0.2, 0.5]);
    const scale = tf.tensor1d([0.7, 1.3, 0.9]);
    const flow = new CouplingFlow(loc, scale, [layer([0, 2], [1]), layer([1], [0, 2]), layer([0, 2], [1])]);
    const eps = [0.4, -1.1, 0.8];
    const push = (e: number[]): number[] => values(tf.tidy(() => flow.push(tf.tensor1d(e))));
    const u = push(eps);
    const logN = eps.reduce((acc, e) => acc - 0.5 * e * e - 0.5 * Math.log(2 * Math.PI), 0);
    const expected = logN - logAbsDet(jacobian(push, eps, 1e-2));
    expect(values(flow.logProb(tf.tensor1d(u)))[0]).toBeCloseTo(expected, 2);
    expect(dim).toBe(u.length);
  });

  it('JointSlice carries -log |det J| at its own value and -Infinity elsewhere', () => {
    const y = tf.tensor1d([0.5, 2]);
    const j = new JointSlice(y, constraints.positive, []);
    const lp = values(j.logProb(y));
    expect(lp[0]).toBeCloseTo(-Math.log(0.5), 5);
    expect(lp[1]).toBeCloseTo(-Math.log(2), 5);
    expect(values(j.logProb(tf.tensor1d([0.5, 3])))[1]).toBe(-Infinity);
  });
});
