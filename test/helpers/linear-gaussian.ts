import * as tf from '@tensorflow/tfjs';
import { linearGaussian as linearGaussianExample } from '../../examples/linear-gaussian/model.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import type { Program } from '../../src/inference/program.js';
import { clearParamStore, getParamStore } from '../../src/runtime/index.js';
import { Stream } from '../../src/runtime/rng.js';

/**
 * The linear Gaussian model of Shi & Cornish sec. 7.1: p(z) = N(theta, I), p(x | z) = N(z, I),
 * guide q(z | x) = N(A x + b, (2/3) I). Exact: p(x) = N(theta, 2I), ELBO and its gradients in closed form.
 * Here A is diagonal (a vector `a`), enough to exercise every path.
 */
export const GUIDE_VARIANCE = 2 / 3;

export interface LinearGaussianOptions {
  readonly subsample?: number;
}

/**
 * The programs are the gallery's (examples/linear-gaussian/model.ts, the same sites and params as its
 * model.ppl): one model, tested here and shown there. `dim` is the data's column count, which the
 * programs read from x.
 */
export function linearGaussian(dim: number, options: LinearGaussianOptions = {}): ReturnType<typeof linearGaussianExample> {
  const programs = linearGaussianExample(options);
  const checked = <F extends (x: tf.Tensor) => void>(f: F): F =>
    ((x: tf.Tensor) => {
      if (x.shape[1] !== dim) throw new Error(`linearGaussian(${dim}): data of shape [${x.shape.join(', ')}]`);
      f(x);
    }) as F;
  return { model: checked(programs.model), guide: checked(programs.guide) };
}

/** Plain float64 parameters for the exact formulas and the reference simulator. */
export interface LgParams {
  readonly theta: number[];
  readonly a: number[];
  readonly b: number[];
}

const LOG_2PI = Math.log(2 * Math.PI);

export function exactLogMarginal(x: number[], p: LgParams): number {
  const d = x.length;
  let sq = 0;
  for (let j = 0; j < d; j++) sq += (x[j]! - p.theta[j]!) ** 2;
  return -0.5 * d * Math.log(4 * Math.PI) - sq / 4;
}

export function guideMean(x: number[], p: LgParams): number[] {
  return x.map((xj, j) => p.a[j]! * xj + p.b[j]!);
}

export function exactElbo(x: number[], p: LgParams): number {
  const d = x.length;
  const m = guideMean(x, p);
  let s = 0;
  for (let j = 0; j < d; j++) s += 0.5 * (m[j]! - p.theta[j]!) ** 2 + 0.5 * (x[j]! - m[j]!) ** 2;
  const s2 = GUIDE_VARIANCE;
  return -d * LOG_2PI - s - d * s2 + 0.5 * d * Math.log(2 * Math.PI * s2) + 0.5 * d;
}

/** d ELBO / d theta_j and d ELBO / d b_j for one datapoint. */
export function exactElboGrads(x: number[], p: LgParams): { theta: number[]; b: number[]; a: number[] } {
  const m = guideMean(x, p);
  const db = m.map((mj, j) => p.theta[j]! + x[j]! - 2 * mj);
  return { theta: m.map((mj, j) => mj - p.theta[j]!), b: db, a: db.map((g, j) => g * x[j]!) };
}

export function exactLogMarginalGradTheta(x: number[], p: LgParams): number[] {
  return x.map((xj, j) => (xj - p.theta[j]!) / 2);
}

/**
 * An independent float64 Monte Carlo reference for IWAE-k on one datapoint: mean and s.e. of the bound
 * and of its theta_0 gradient sum_k wbar_k (z_k0 - theta_0), over `reps` replicates.
 */
export function referenceIwae(x: number[], p: LgParams, k: number, reps: number, seed: number) {
  const s = Stream.fromSeed(seed);
  const d = x.length;
  const m = guideMean(x, p);
  const sd = Math.sqrt(GUIDE_VARIANCE);
  const values: number[] = [];
  const grads: number[] = [];
  const logW = new Float64Array(k);
  const z0 = new Float64Array(k);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < k; i++) {
      let lw = 0;
      for (let j = 0; j < d; j++) {
        const e = s.normal();
        const z = m[j]! + sd * e;
        if (j === 0) z0[i] = z;
        lw += -0.5 * (z - p.theta[j]!) ** 2 - 0.5 * (x[j]! - z) ** 2 - LOG_2PI + 0.5 * e * e + 0.5 * Math.log(2 * Math.PI * GUIDE_VARIANCE);
      }
      logW[i] = lw;
    }
    let max = -Infinity;
    for (const v of logW) max = Math.max(max, v);
    let sum = 0;
    for (const v of logW) sum += Math.exp(v - max);
    values.push(max + Math.log(sum / k));
    let g = 0;
    for (let i = 0; i < k; i++) g += (Math.exp(logW[i]! - max) / sum) * (z0[i]! - p.theta[0]!);
    grads.push(g);
  }
  return { values, grads };
}

/** Clear the param store, create the programs' params by one run on `x`, and set them to `p`. */
export function resetParams(model: Program<[tf.Tensor]>, guide: Program<[tf.Tensor]>, x: tf.Tensor, p: LgParams): void {
  clearParamStore();
  tf.dispose(Object.values(gradients(model, guide, [x], { estimator: iwae({ k: 2 }), seed: 0 }).grads));
  setParams(getParamStore(), p);
}

/** Set the model's and guide's params (creating them if needed) to plain values. */
export function setParams(store: { variable(name: string): tf.Variable }, p: LgParams): void {
  store.variable('theta').assign(tf.tensor1d(p.theta));
  store.variable('a').assign(tf.tensor1d(p.a));
  store.variable('b').assign(tf.tensor1d(p.b));
}
