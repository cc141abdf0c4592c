import * as tf from '@tensorflow/tfjs';
import { dist, observe, plate, sample, Stream } from '../../src/index.js';
import type { ExactProblem } from '../../src/inference/index.js';

/**
 * Shi & Cornish sec. 7.1: z, x in R^D, p(z) = N(theta, I), p(x | z) = N(z, I), q(z | x) = N(A x + b, 2/3 I).
 * p(x) = N(theta, 2I): log p(x) and its theta-gradient (x - theta) / 2 are exact.
 */
export interface LinearGaussianSetting {
  readonly theta: Float32Array;
  readonly a: Float32Array; // [D, D], row-major
  readonly b: Float32Array;
}

export const GUIDE_SD = Math.sqrt(2 / 3);

/** 1024 points from theta_true = 1 (all ones): x ~ N(1, 2I). */
export function dataset(dim: number, count: number, seed: number | string): Float32Array[] {
  const s = Stream.fromSeed(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, () => 1 + Math.SQRT2 * s.normal()));
}

/** The optimum for the data (theta = mean x, A = I/2, b = mean x / 2), perturbed by N(0, sd^2) noise. */
export function perturbedOptimum(data: readonly Float32Array[], sd: number, stream: Stream): LinearGaussianSetting {
  const dim = data[0]!.length;
  const mean = new Float32Array(dim);
  for (const x of data) for (let j = 0; j < dim; j++) mean[j]! += x[j]! / data.length;
  const theta = mean.map((m) => m + sd * stream.normal());
  const a = new Float32Array(dim * dim).map((_, i) => (i % (dim + 1) === 0 ? 0.5 : 0) + sd * stream.normal());
  const b = mean.map((m) => m / 2 + sd * stream.normal());
  return { theta, a, b };
}

export function exactLogMarginal(x: Float32Array, theta: Float32Array): number {
  let sq = 0;
  for (let j = 0; j < x.length; j++) sq += (x[j]! - theta[j]!) ** 2;
  return -0.5 * x.length * Math.log(4 * Math.PI) - sq / 4;
}

/** Copies of one datapoint as independent realisations; the per-copy input is theta. */
export function exactProblem(x: Float32Array, setting: LinearGaussianSetting, component = 0): ExactProblem<[]> {
  const dim = x.length;
  const xs = tf.tensor1d(x);
  const guideMean = tf.tidy(() => tf.add(tf.squeeze(tf.matMul(tf.tensor2d(setting.a, [dim, dim]), tf.reshape(xs, [dim, 1])), [1]), tf.tensor1d(setting.b)));
  return {
    input: tf.tensor1d(setting.theta),
    exactValue: exactLogMarginal(x, setting.theta),
    exactGradient: (x[component]! - setting.theta[component]!) / 2,
    component,
    problem: (copies, theta) => ({
      model: () =>
        plate('data', copies, () => {
          const z = sample('z', dist.normal(theta, 1).toEvent(1));
          observe('x', dist.normal(z, 1).toEvent(1), xs);
        }),
      guide: () =>
        plate('data', copies, () => {
          sample('z', dist.normal(guideMean, GUIDE_SD).toEvent(1));
        }),
      args: [],
      vectorize: true,
    }),
  };
}
