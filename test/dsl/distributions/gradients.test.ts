import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import type { Distribution } from '../../../src/dsl/distributions/index.js';
import { ChunkedRandomSource, Stream } from '../../../src/runtime/rng.js';

const M = 200;
const H = 1e-2;

function values(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

const at = (p: tf.Tensor, i: number): tf.Tensor => tf.reshape(tf.slice(p, [i], [1]), []);

/**
 * The pathwise gradient of E[f(x)], x = d(p).rsample(), against central finite differences of the
 * same Monte Carlo average: the source is recreated for every evaluation, so the noise is identical and
 * the difference quotient converges to the exact derivative of the sample average.
 */
function expectPathwiseGradient(
  make: (p: tf.Tensor) => Distribution,
  p0: number[],
  f: (x: tf.Tensor) => tf.Tensor = (x) => tf.add(tf.sin(x), tf.mul(tf.square(x), 0.1)),
): void {
  const objective = (p: tf.Tensor): tf.Scalar =>
    tf.mean(f(make(p).expand([M, ...make(p).batchShape]).rsample(ChunkedRandomSource.single(Stream.fromSeed(11))))) as tf.Scalar;
  const grad = values(tf.grad(objective)(tf.tensor1d(p0)));
  p0.forEach((_, i) => {
    const shifted = (delta: number) =>
      tf.tidy(() => objective(tf.tensor1d(p0.map((v, j) => (j === i ? v + delta : v)))).dataSync()[0]!);
    const fd = (shifted(H) - shifted(-H)) / (2 * H);
    expect(Math.abs(grad[i]! - fd), `param ${i}: autodiff ${grad[i]} vs finite difference ${fd}`).toBeLessThanOrEqual(
      2e-3 * Math.abs(fd) + 2e-4,
    );
  });
  expect(grad.some((g) => Math.abs(g) > 1e-3), 'the test must exercise a non-zero gradient').toBe(true);
}

describe('rsample gradients match finite differences', () => {
  it('normal', () => expectPathwiseGradient((p) => dist.normal(at(p, 0), at(p, 1)), [0.3, 1.2]));
  it('lognormal', () => expectPathwiseGradient((p) => dist.lognormal(at(p, 0), at(p, 1)), [0.1, 0.4], tf.sin));
  it('uniform', () => expectPathwiseGradient((p) => dist.uniform(at(p, 0), at(p, 1)), [-0.5, 1.5]));
  it('exponential', () => expectPathwiseGradient((p) => dist.exponential(at(p, 0)), [1.7], tf.sin));
  it('laplace', () => expectPathwiseGradient((p) => dist.laplace(at(p, 0), at(p, 1)), [0.2, 0.8]));
  it('studentT (constant df)', () => expectPathwiseGradient((p) => dist.studentT(5, at(p, 0), at(p, 1)), [0.2, 0.8], tf.sin));
  it('delta', () => expectPathwiseGradient((p) => dist.delta(at(p, 0)), [0.7]));
  it('multivariateNormal (scaleTril)', () =>
    expectPathwiseGradient(
      (p) => {
        const loc = tf.slice(p, [0], [2]);
        const l = tf.reshape(tf.stack([at(p, 2), tf.scalar(0), at(p, 3), at(p, 4)]), [2, 2]);
        return dist.multivariateNormal(loc, { scaleTril: l });
      },
      [0.1, -0.3, 1.1, 0.4, 0.7],
    ));
  it('multivariateNormal (covariance, through the Cholesky)', () =>
    expectPathwiseGradient(
      (p) => {
        const cov = tf.reshape(tf.stack([at(p, 0), at(p, 1), at(p, 1), at(p, 2)]), [2, 2]);
        return dist.multivariateNormal(tf.zeros([2]), { covariance: cov });
      },
      [1.5, 0.4, 0.8],
    ));
});

describe('logProb gradients', () => {
  // Normal's log density is one op with its gradient written out (normal.ts): check it against the
  // closed form, with x, loc and scale broadcast against each other the ways the traces do it.
  it.each([
    ['x [4] against scalar loc and scale', [4], [], []],
    ['x [3] against loc [2, 1] and scale [3]', [3], [2, 1], [3]],
    ['x [1, 1] against scalar params (a guide draw)', [1, 1], [], []],
    ['x [2, 3] against loc [2, 3] and scale [1, 3]', [2, 3], [2, 3], [1, 3]],
  ] as const)('normal, %s: d/dx, d/dloc, d/dscale in closed form', (_, xShape, locShape, scaleShape) => {
    const fill = (shape: readonly number[], f: (i: number) => number) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)), [...shape]);
    const x = fill(xShape, (i) => 0.3 * i - 0.5);
    const loc = fill(locShape, (i) => 0.2 - 0.4 * i);
    const scale = fill(scaleShape, (i) => 0.7 + 0.3 * i);
    const weights = (t: tf.Tensor) => tf.add(tf.mul(tf.range(0, t.size).reshape(t.shape), 0.1), 1); // a non-uniform dy
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const lp = dist.normal(b, c).logProb(a);
      return tf.sum(tf.mul(lp, weights(lp)));
    };
    const [gx, gloc, gscale] = tf.grads(f)([x, loc, scale]);
    // The same sums in float64: z = (x - loc) / scale at each broadcast element, weighted by w.
    const out = tf.broadcastTo(tf.zeros([]), tf.broadcast_util.assertAndGetBroadcastShape(tf.broadcast_util.assertAndGetBroadcastShape(x.shape, loc.shape), scale.shape));
    const b = (t: tf.Tensor) => Array.from(tf.broadcastTo(t, out.shape).dataSync());
    const [xs, ls, ss, ws] = [b(x), b(loc), b(scale), Array.from(weights(out).dataSync())];
    const sumBack = (t: tf.Tensor, perElement: number[]) => {
      // Gradient of an input: the per-element terms summed over where it was broadcast.
      const index = b(tf.reshape(tf.range(0, t.size), t.shape));
      const total = new Array<number>(t.size).fill(0);
      perElement.forEach((v, i) => (total[index[i]!] += v));
      return total;
    };
    const z = xs.map((v, i) => (v - ls[i]!) / ss[i]!);
    const expectClose = (got: tf.Tensor, want: number[], name: string) =>
      Array.from(got.dataSync()).forEach((v, i) => expect(Math.abs(v - want[i]!), `${name}[${i}]: ${v} vs ${want[i]}`).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!))));
    expect(gx!.shape).toEqual(x.shape);
    expect(gloc!.shape).toEqual(loc.shape);
    expect(gscale!.shape).toEqual(scale.shape);
    expectClose(gx!, sumBack(x, z.map((v, i) => (-ws[i]! * v) / ss[i]!)), 'd/dx');
    expectClose(gloc!, sumBack(loc, z.map((v, i) => (ws[i]! * v) / ss[i]!)), 'd/dloc');
    expectClose(gscale!, sumBack(scale, z.map((v, i) => (ws[i]! * (v * v - 1)) / ss[i]!)), 'd/dscale');
    tf.dispose([x, loc, scale, gx!, gloc!, gscale!, out]);
  });

  // A parameter given as a number is no input of the normal's op (no gradient formed for it); the
  // value and the other gradients must not change.
  it.each([
    ['loc and scale numbers (a standard normal)', 0, 1],
    ['loc a number, scale a tensor', 0.4, undefined],
    ['loc a tensor, scale a number', undefined, 1.7],
  ] as const)('normal with %s: value and gradients as with tensor params', (_, locNumber, scaleNumber) => {
    const x = tf.tensor1d([-1.1, 0.2, 0.9]);
    const loc = tf.scalar(locNumber ?? -0.3);
    const scale = tf.scalar(scaleNumber ?? 0.8);
    const weights = tf.tensor1d([1, 0.5, 2]);
    // The inputs differentiated: x, and each parameter given as a tensor.
    const wrt = [x, ...(locNumber === undefined ? [loc] : []), ...(scaleNumber === undefined ? [scale] : [])];
    const asGiven = (...ts: tf.Tensor[]) => {
      let i = 1;
      const b = locNumber ?? ts[i++]!;
      const c = scaleNumber ?? ts[i++]!;
      return tf.sum(tf.mul(dist.normal(b, c).logProb(ts[0]!), weights));
    };
    const allTensors = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(dist.normal(b, c).logProb(a), weights));
    expect(values(asGiven(...wrt))[0]).toBeCloseTo(values(allTensors(x, loc, scale))[0]!, 5);
    const got = tf.grads(asGiven)(wrt);
    const want = tf.grads(allTensors)([x, loc, scale]);
    const wanted = [want[0]!, ...(locNumber === undefined ? [want[1]!] : []), ...(scaleNumber === undefined ? [want[2]!] : [])];
    got.forEach((g, i) => {
      const have = values(g); // values() disposes its tensor
      values(wanted[i]!).forEach((v, j) => expect(have[j], `input ${i}, element ${j}`).toBeCloseTo(v, 5));
    });
    tf.dispose([x, loc, scale, weights]);
  });

  it('match the closed forms (gamma: log b + log x - digamma(a); poisson: k / rate - 1)', () => {
    const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => dist.gamma(a, b).logProb(tf.scalar(2)))([tf.scalar(2.5), tf.scalar(1.5)]);
    // digamma(2.5) = 0.7031566406452432 (mpmath)
    expect(values(ga!)[0]).toBeCloseTo(Math.log(1.5) + Math.log(2) - 0.7031566406452432, 5);
    expect(values(gb!)[0]).toBeCloseTo(2.5 / 1.5 - 2, 5);
    const gr = tf.grad((r: tf.Tensor) => tf.sum(dist.poisson(r).logProb(tf.tensor1d([0, 3, 7]))))(tf.scalar(2));
    expect(values(gr)[0]).toBeCloseTo(10 / 2 - 3, 5);
  });

  it('stay finite (zero) for values outside the support', () => {
    const cases: ReadonlyArray<readonly [string, (p: tf.Tensor) => tf.Tensor]> = [
      ['beta at 1.5', (p) => dist.beta(p, p).logProb(tf.scalar(1.5))],
      ['gamma at -1', (p) => dist.gamma(p, p).logProb(tf.scalar(-1))],
      ['exponential at -1', (p) => dist.exponential(p).logProb(tf.scalar(-1))],
      ['poisson at 2.5', (p) => dist.poisson(p).logProb(tf.scalar(2.5))],
      ['binomial at 11', (p) => dist.binomial(10, { probs: tf.sigmoid(p) }).logProb(tf.scalar(11))],
      ['bernoulli at 0.5', (p) => dist.bernoulli({ probs: tf.sigmoid(p) }).logProb(tf.scalar(0.5))],
      ['dirichlet off the simplex', (p) => dist.dirichlet(tf.stack([p, p])).logProb(tf.tensor1d([1.5, -0.5]))],
      ['uniform above high', (p) => dist.uniform(tf.neg(p), p).logProb(tf.scalar(5))],
    ];
    for (const [label, f] of cases) {
      const g = values(tf.grad((p: tf.Tensor) => tf.sum(tf.where(tf.isFinite(f(p)), f(p), tf.zerosLike(f(p)))))(tf.scalar(1.3)));
      expect(Math.abs(g[0]!), label).toBe(0);
      expect(values(f(tf.scalar(1.3)))[0], label).toBe(-Infinity);
    }
  });

  it('flow to a value drawn by rsample through the support mask (no gradient-less ops on the path)', () => {
    // log q(z) of a lognormal draw scored by a gamma prior: the value passes through the gamma's mask.
    const g = tf.grad((loc: tf.Tensor) => {
      const z = dist.lognormal(loc, 0.3).rsample(ChunkedRandomSource.single(Stream.fromSeed(2)));
      return dist.gamma(2, 1).logProb(z);
    })(tf.scalar(0.1));
    expect(Number.isFinite(values(g)[0]!)).toBe(true);
  });

  it('sample() carries no gradient', () => {
    // d/dloc (sum(sample) + loc) is exactly 1 when the draw is detached (3 + 1 if it were not).
    const g = tf.grad((loc: tf.Tensor) =>
      tf.add(tf.sum(dist.normal(loc, 1).expand([3]).sample(ChunkedRandomSource.single(Stream.fromSeed(1)))), loc),
    )(tf.scalar(0));
    expect(values(g)).toEqual([1]);
  });

  it('factor weights (unit) are differentiable', () => {
    const g = tf.grad((w: tf.Tensor) => tf.sum(dist.unit(tf.mul(w, 3)).logProb(tf.scalar(0))))(tf.scalar(1));
    expect(values(g)).toEqual([3]);
  });
});
