import * as tf from '@tensorflow/tfjs';
import { multivariateNormal, normal } from '../../../src/dsl/distributions/index.js';
import { observe, sample } from '../../../src/dsl/primitives.js';
import type { Estimator } from '../../../src/inference/estimator.js';
import { adam, schedules } from '../../../src/inference/optim.js';
import { svi } from '../../../src/inference/svi.js';
import { getParamStore, plate, Stream } from '../../../src/index.js';

/** log |det M| of a small square matrix (float64 LU with partial pivoting). */
export function logAbsDet(m: number[][]): number {
  const a = m.map((row) => [...row]);
  const n = a.length;
  let logDet = 0;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const p = a[c]![c]!;
    logDet += Math.log(Math.abs(p));
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / p;
      for (let k = c; k < n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return logDet;
}

/** The Jacobian of f: R^n -> R^m at x by central differences. */
export function jacobian(f: (x: number[]) => number[], x: number[], h = 1e-2): number[][] {
  const columns = x.map((_, j) => {
    const up = [...x];
    const down = [...x];
    up[j]! += h;
    down[j]! -= h;
    const fu = f(up);
    const fd = f(down);
    return fu.map((v, i) => (v - fd[i]!) / (2 * h));
  });
  return columns[0]!.map((_, i) => columns.map((col) => col[i]!));
}

export interface FitOptions {
  readonly steps: number;
  readonly estimator: Estimator | { readonly model: Estimator; readonly guide?: Estimator };
  readonly lr?: number;
  readonly seed?: number;
  /** Average the guide's params over this last fraction of the steps (Polyak), then write them back. */
  readonly average?: number;
}

/**
 * SVI with Adam on a cosine schedule; the guide's variables are averaged over the last iterates
 * (the iterates are noisy: the average is the estimate) and the averages written back.
 */
export function fit<A extends unknown[]>(model: (...a: A) => unknown, guide: (...a: A) => unknown, args: A, o: FitOptions): number[] {
  const lr = o.lr ?? 0.05;
  const estimators = 'surrogate' in o.estimator ? { estimator: o.estimator } : o.estimator;
  const run = svi(model, guide, { ...estimators, optimizer: adam({ lr: schedules.cosine(lr, o.steps, lr / 50) }), seed: o.seed ?? 1 });
  const losses: number[] = [];
  const from = Math.floor(o.steps * (1 - (o.average ?? 0)));
  const sums = new Map<string, tf.Tensor>();
  for (let i = 0; i < o.steps; i++) {
    losses.push(run.step(...args).loss);
    if (i < from || o.average === undefined) continue;
    const store = getParamStore();
    for (const name of store.names('guide')) {
      const v = store.variable(name);
      const previous = sums.get(name);
      sums.set(name, previous ? tf.tidy(() => tf.add(previous, v)) : v.clone());
      previous?.dispose();
    }
  }
  const count = o.steps - from;
  for (const [name, sum] of sums) {
    getParamStore().variable(name).assign(tf.tidy(() => tf.div(sum, count)));
    sum.dispose();
  }
  run.optimizer.dispose();
  return losses;
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Bayesian linear regression with correlated inputs: w ~ N(0, I_2), y_n ~ N(x_n . w, sigma^2). Exact
 * Gaussian posterior. The model takes (X, y) so it can predict at new inputs.
 */
export function regression(n = 100, sigma = 0.5) {
  const s = Stream.fromSeed('autoguide-regression');
  const rows = Array.from({ length: n }, () => {
    const u = s.normal();
    return [u, 0.6 * u + 0.8 * s.normal()];
  });
  const trueW = [1.5, -0.7];
  const ys = rows.map((r) => r[0]! * trueW[0]! + r[1]! * trueW[1]! + sigma * s.normal());
  const xtx = [0, 1].map((i) => [0, 1].map((j) => rows.reduce((acc, r) => acc + r[i]! * r[j]!, 0)));
  const xty = [0, 1].map((i) => rows.reduce((acc, r, k) => acc + r[i]! * ys[k]!, 0));
  const prec = [0, 1].map((i) => [0, 1].map((j) => (i === j ? 1 : 0) + xtx[i]![j]! / sigma ** 2));
  const det = prec[0]![0]! * prec[1]![1]! - prec[0]![1]! * prec[1]![0]!;
  const cov = [
    [prec[1]![1]! / det, -prec[0]![1]! / det],
    [-prec[1]![0]! / det, prec[0]![0]! / det],
  ];
  const postMean = [0, 1].map((i) => (cov[i]![0]! * xty[0]! + cov[i]![1]! * xty[1]!) / sigma ** 2);
  const model = (x: tf.Tensor, y: tf.Tensor): void => {
    const w = sample('w', multivariateNormal(tf.zeros([2]), { scaleDiag: tf.ones([2]) }));
    plate('data', x.shape[0]!, () => {
      observe('y', normal(tf.sum(tf.mul(x, w), -1), sigma), y); // w: [2], or [K, 1, 2] with particles
    });
  };
  return { X: tf.tensor2d(rows), y: tf.tensor1d(ys), rows, ys, sigma, cov, postMean, model };
}
