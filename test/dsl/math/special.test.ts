import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cholesky, diagPart, matVec, solveLowerTriangular } from '../../../src/dsl/math/linalg.js';
import { digamma, lgamma, lgammaNumber, log1mexp, logBeta, trigamma, xlog1py, xlogy } from '../../../src/dsl/math/special.js';
import { stopGradient, untaped } from '../../../src/runtime/detach.js';

// [x (float32-rounded), log Gamma(x), digamma(x)] from mpmath.loggamma / mpmath.digamma at 30 digits,
// evaluated at the float32 value of x so the comparison isolates the approximation error.
const REFERENCE: ReadonlyArray<readonly [number, number, number]> = [
  [0.0010000000474974513, 6.9071788378590653, -1000.5755244342832],
  [0.009999999776482582, 4.5994799005191314, -100.56088769340527],
  [0.10000000149011612, 2.2527126362016008, -10.423754789263685],
  [0.30000001192092896, 1.095797953064734, -3.5025240762240176],
  [0.5, 0.57236494292470009, -1.9635100260214235],
  [0.8999999761581421, 0.066376257733604591, -0.75492699578397684],
  [1.0, 0.0, -0.57721566490153286],
  [1.2000000476837158, -0.085374103785810699, -0.28903983615893548],
  [1.5, -0.12078223763524522, 0.036489973978576521],
  [1.7999999523162842, -0.071083886503821846, 0.28499139815219561],
  [2.0, 0.0, 0.42278433509846714],
  [2.5, 0.28468287047291916, 0.70315664064524319],
  [3.0, 0.69314718055994531, 0.92278433509846714],
  [4.199999809265137, 2.0485553868425506, 1.3113388400428275],
  [5.900000095367432, 4.617792266456926, 1.6878194435187131],
  [6.099999904632568, 4.9590045437836653, 1.7240879434434003],
  [7.5, 7.534364236758733, 1.9467574842460868],
  [8.0, 8.5251613610654143, 2.01564147795561],
  [10.0, 12.80182748008147, 2.2517525890667211],
  [25.299999237060547, 55.746178733853629, 3.2109113494230136],
  [100.0, 359.1342053695754, 4.6001618527380874],
  [517.7000122070312, 2715.4067476214914, 6.2484298262654037],
  [1000.0, 5905.2204232091812, 6.9072551956488121],
];

const xs = REFERENCE.map((r) => r[0]);

function values(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

/** Relative 1e-5, with an absolute floor of 2e-6 where the function crosses zero (x = 1, 2). */
function expectClose(actual: number[], expected: readonly number[], rel = 1e-5, abs = 2e-6): void {
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!Number.isFinite(e)) {
      expect(a, `index ${i}`).toBe(e);
      return;
    }
    expect(Math.abs(a - e), `index ${i}: got ${a}, expected ${e}`).toBeLessThanOrEqual(rel * Math.abs(e) + abs);
  });
}

describe('lgamma', () => {
  it('matches mpmath from 1e-3 to 1e3 in float32', () => {
    expectClose(values(lgamma(tf.tensor1d(xs))), REFERENCE.map((r) => r[1]));
  });

  it('gives +Infinity at 0 and accepts int32 input', () => {
    expect(values(lgamma(tf.scalar(0)))[0]).toBe(Infinity);
    expectClose(values(lgamma(tf.tensor1d([5], 'int32'))), [Math.log(24)]);
  });

  it('has digamma as its gradient', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(lgamma(x)))(tf.tensor1d(xs));
    expectClose(values(g), REFERENCE.map((r) => r[2]), 2e-5, 2e-6);
  });

  it('passes the upstream gradient through (chain rule)', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(lgamma(tf.mul(x, 2)), 3)))(tf.scalar(1.25));
    expectClose(values(g), [6 * 0.70315664064524319]); // 3 * 2 * digamma(2.5)
  });
});

describe('digamma and trigamma', () => {
  it('digamma matches mpmath', () => {
    expectClose(values(digamma(tf.tensor1d(xs))), REFERENCE.map((r) => r[2]));
  });

  it("trigamma matches known values and is digamma's gradient", () => {
    // psi'(1) = pi^2/6, psi'(0.5) = pi^2/2, psi'(10) from mpmath.psi(1, 10)
    const expected = [Math.PI ** 2 / 6, Math.PI ** 2 / 2, 0.10516633568168575];
    const x = tf.tensor1d([1, 0.5, 10]);
    expectClose(values(trigamma(x)), expected);
    expectClose(values(tf.grad((v: tf.Tensor) => tf.sum(digamma(v)))(x)), expected);
  });
});

describe('helpers', () => {
  it('logBeta, log1mexp, xlogy, xlog1py', () => {
    expectClose(values(logBeta(tf.scalar(2), tf.scalar(3))), [Math.log(1 / 12)]);
    expectClose(values(log1mexp(tf.tensor1d([-1e-8, -1, -50]))), [Math.log(1e-8), Math.log(1 - Math.exp(-1)), -Math.exp(-50)]);
    expect(values(xlogy(tf.tensor1d([0, 2]), tf.tensor1d([0, 0])))).toEqual([0, -Infinity]);
    expect(values(xlog1py(tf.tensor1d([0]), tf.tensor1d([-1])))).toEqual([0]);
  });

  it('xlogy has finite gradients where x = 0 and y = 0', () => {
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(xlogy(x, y)))([tf.scalar(0), tf.scalar(0)]);
    expect(g.map((t) => values(t)[0])).toEqual([0, 0]);
  });

  it('lgammaNumber (float64 host) matches mpmath to 1e-13', () => {
    for (const [x, ref] of REFERENCE) expect(Math.abs(lgammaNumber(x) - ref)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(ref)));
    expect(Math.abs(lgammaNumber(1e6 + 1) - 12815518.384658170)).toBeLessThan(1e-6); // log(1e6!) from mpmath
  });

  it('untaped and stopGradient cut gradients, even through ops that have none', () => {
    const g = tf.grad((x: tf.Tensor) => {
      const masked = untaped(() => tf.where(tf.less(x, 1), x, tf.square(x)));
      return tf.add(tf.sum(masked), tf.sum(tf.mul(stopGradient(x), x)));
    })(tf.tensor1d([0.5, 2]));
    expect(values(g)).toEqual([0.5, 2]);
  });
});

describe('linalg', () => {
  const a = tf.tensor2d([
    [4, 2, 0.4],
    [2, 5, 1],
    [0.4, 1, 3],
  ]);

  it('cholesky reproduces A = L L^T and is lower triangular', () => {
    const l = cholesky(a);
    const back = tf.matMul(l, l, false, true);
    expectClose(values(back), Array.from(a.dataSync()), 1e-5, 1e-5);
    const upper = values(tf.sub(l, tf.linalg.bandPart(l, -1, 0)));
    expect(upper.every((v) => v === 0)).toBe(true);
  });

  it('solves L z = b with batch broadcasting and matches matVec', () => {
    const l = cholesky(a);
    const z = tf.tensor2d([
      [1, -2, 0.5],
      [0, 3, -1],
    ]);
    const b = matVec(l, z); // [2, 3]
    expectClose(values(solveLowerTriangular(l, b)), Array.from(z.dataSync()), 1e-5, 1e-5);
    expectClose(values(diagPart(l)), [2, 2, Math.sqrt(3 - 0.04 - 0.16)], 1e-5, 1e-6);
  });

  it('cholesky is differentiable: d/dA sum(log diag L) = A^-1 / 2 on the diagonal (Jacobi formula)', () => {
    // log det A = 2 sum log L_ii; d log det A / dA = A^-T; tested on the diagonal, where symmetry
    // does not split the gradient between A_ij and A_ji.
    const d = tf.tensor2d([
      [2, 1],
      [1, 3],
    ]);
    const g = tf.grad((m: tf.Tensor) => tf.mul(tf.sum(tf.log(diagPart(cholesky(m)))), 2))(d);
    const gd = values(g);
    // A^-1 = [[3, -1], [-1, 2]] / 5; the recurrence reads only the lower triangle, so the off-diagonal
    // gradient lands on A_10 as 2 * (-1/5).
    expectClose([gd[0]!, gd[3]!, gd[2]! + gd[1]!], [3 / 5, 2 / 5, -2 / 5], 1e-5, 1e-6);
  });
});
