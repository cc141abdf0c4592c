import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  biject,
  greaterThan,
  interval,
  lessThan,
  lowerCholesky,
  positive,
  real,
  resolveConstraint,
  simplex,
  unitInterval,
  type Constraint,
} from '../../src/runtime/constraints.js';
import { RouletteError } from '../../src/runtime/errors.js';

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

const cases: [string, Constraint, tf.Tensor][] = [
  ['real', real, tf.tensor1d([-2, 0.5, 3])],
  ['positive', positive, tf.tensor1d([0.01, 1, 30])],
  ['greaterThan(2)', greaterThan(2), tf.tensor1d([2.1, 5])],
  ['lessThan(-1)', lessThan(-1), tf.tensor1d([-1.5, -8])],
  ['interval(-1, 3)', interval(-1, 3), tf.tensor1d([-0.9, 0, 2.9])],
  ['unitInterval', unitInterval, tf.tensor1d([0.01, 0.5, 0.99])],
  ['simplex', simplex, tf.tensor2d([[0.2, 0.3, 0.5], [0.05, 0.9, 0.05]])],
  ['lowerCholesky', lowerCholesky, tf.tensor2d([[1.5, 0], [-0.3, 0.4]])],
];

describe('constraints and their bijections', () => {
  it.each(cases)('%s: values lie in the set and forward(inverse(y)) = y', (_name, c, y) => {
    expect(c.check(y).all().dataSync()[0]).toBe(1);
    const t = biject(c, 'test');
    const x = t.inverse(y);
    expect(x.shape).toEqual(t.unconstrainedShape(y.shape));
    expect(maxAbsDiff(t.forward(x), y)).toBeLessThan(1e-5);
  });

  it.each(cases)('%s: forward maps random reals into the set', (_name, c, y) => {
    const t = biject(c, 'test');
    const x = tf.mul(tf.randomNormal(t.unconstrainedShape(y.shape), 0, 1, 'float32', 5), 2);
    expect(c.check(t.forward(x)).all().dataSync()[0]).toBe(1);
  });

  // log|det J| against a numerical Jacobian (central differences in float64 via small steps).
  it.each(cases.filter(([n]) => n !== 'lowerCholesky'))('%s: log|det J| matches finite differences', (_name, c, y) => {
    const t = biject(c, 'test');
    const x0 = t.inverse(y);
    const rows = x0.rank === 1 && c.eventDim === 0 ? x0.arraySync() as number[] : (x0.arraySync() as number[][])[0]!;
    const eventDim = c.eventDim;
    const f = (v: number[]): number[] => Array.from(t.forward(tf.tensor1d(v)).dataSync());
    const h = 1e-2;
    if (eventDim === 0) {
      const ld = Array.from(t.logAbsDetJacobian(tf.tensor1d(rows)).dataSync());
      rows.forEach((v, i) => {
        const numeric = (f([v + h])[0]! - f([v - h])[0]!) / (2 * h);
        expect(ld[i]!).toBeCloseTo(Math.log(Math.abs(numeric)), 2);
      });
    } else {
      // simplex: Jacobian of the first n-1 outputs w.r.t. the n-1 inputs is triangular
      const n1 = rows.length;
      const jac: number[][] = [];
      for (let j = 0; j < n1; j++) {
        const plus = [...rows];
        const minus = [...rows];
        plus[j]! += h;
        minus[j]! -= h;
        const fp = f(plus);
        const fm = f(minus);
        jac.push(Array.from({ length: n1 }, (_, i) => (fp[i]! - fm[i]!) / (2 * h)));
      }
      // determinant by Gaussian elimination
      let det = 1;
      const m = jac.map((r) => [...r]);
      for (let i = 0; i < n1; i++) {
        det *= m[i]![i]!;
        for (let r = i + 1; r < n1; r++) {
          const factor = m[r]![i]! / m[i]![i]!;
          for (let cc = i; cc < n1; cc++) m[r]![cc]! -= factor * m[i]![cc]!;
        }
      }
      const ld = t.logAbsDetJacobian(tf.tensor1d(rows)).dataSync()[0]!;
      expect(ld).toBeCloseTo(Math.log(Math.abs(det)), 2);
    }
  });

  it('rejects unknown constraint names with the list of known ones', () => {
    expect(() => resolveConstraint('postive' as never, "param 'x'")).toThrowError(RouletteError);
    expect(() => resolveConstraint('postive' as never, "param 'x'")).toThrowError(/unknown constraint 'postive'.*positive/);
  });

  it('check rejects values outside the set', () => {
    expect(Array.from(positive.check(tf.tensor1d([-1, 0, 1])).dataSync())).toEqual([0, 0, 1]);
    expect(simplex.check(tf.tensor1d([0.5, 0.6])).dataSync()[0]).toBe(0);
    expect(lowerCholesky.check(tf.tensor2d([[1, 1], [0, 1]])).dataSync()[0]).toBe(0);
  });
});

describe('gradients through the transforms', () => {
  // Regression: tf.logSigmoid's gradient failed once its input was released (simplex params could not train).
  it.each(cases)('%s: d/dx of forward(x) and of log|det J| are finite', (_name, c, y) => {
    const t = biject(c, 'test');
    const x0 = t.inverse(y);
    const g = tf.grad((x: tf.Tensor) => tf.add(tf.sum(t.forward(x)), tf.sum(t.logAbsDetJacobian(x))))(x0);
    expect(tf.all(tf.isFinite(g)).dataSync()[0]).toBe(1);
  });
});
