import * as tf from '@tensorflow/tfjs';
import { normal } from '../../src/dsl/distributions/index.js';
import { observe, param, plate, sample } from '../../src/dsl/primitives.js';
import { elbo, svi } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/param-store.js';
import { useKernels } from '../lib/kernels.js';
import { kernelsPerStep, type KernelCount } from '../lib/profile.js';
import { interleave, round } from '../lib/timing.js';

/** The 3-site model's data: ten points. */
export const tinyData = (): tf.Tensor1D => tf.tensor1d([0.3, -1.2, 0.8, 1.9, 0.1, -0.4, 1.1, 0.6, -0.9, 0.2]);

/** mu, logSigma ~ N(0, 1); x ~ N(mu, exp(logSigma)) over a plate of the data. */
export const tinyModel = (data: tf.Tensor1D): void => {
  const mu = sample('mu', normal(0, 1));
  const logSigma = sample('logSigma', normal(0, 1));
  plate('data', data.shape[0], () => {
    observe('x', normal(mu, tf.exp(logSigma)), data);
  });
};

/** Mean-field normal guide for the 3-site model. */
export const tinyGuide = (): void => {
  sample('mu', normal(param('mu.loc', 0), param('mu.scale', 1, { constraint: 'positive' })));
  sample('logSigma', normal(param('logSigma.loc', 0), param('logSigma.scale', 1, { constraint: 'positive' })));
};

/**
 * Three sites (two latents and an observation of ten points): the kernels are tiny, so a step measures
 * roulette's per-step overhead (handlers, traces, tfjs op dispatch), not arithmetic. The steps are eager
 * (`compile: false`): a compiled replay runs no tfjs kernel, so it has no native/stock difference and
 * none of this overhead; the `models` suite times it against the eager step.
 */
export interface TinyModelResult {
  readonly description: string;
  /** `fit.mode` after the timed steps: 'eager' (svi's steps with compile: false). */
  readonly mode: string;
  readonly ms: { readonly native: number; readonly stock: number };
  readonly stepsPerSecond: { readonly native: number; readonly stock: number };
  /** tf.profile of one step after the timed ones (native kernels). */
  readonly kernelsPerStep: KernelCount;
}

export async function tinyModelSuite(repeats: number): Promise<TinyModelResult> {
  const x = tinyData();
  clearParamStore();
  const fit = svi(tinyModel, tinyGuide, { estimator: elbo(), seed: 2, compile: false });
  const step = (): void => void fit.step(x);
  const t = await interleave(
    { native: { setup: () => useKernels('native', 1), run: step }, stock: { setup: () => useKernels('stock'), run: step } },
    { repeats: repeats * 5, warmup: 10 },
  );
  await useKernels('native', 1);
  const kernels = await kernelsPerStep(step);
  const mode = fit.mode;
  clearParamStore();
  x.dispose();
  await useKernels('native', 1);
  return {
    description: 'eager (compile: false) ELBO step of a 3-site model (mu, logSigma ~ N(0, 1); 10 points x ~ N(mu, exp(logSigma))), mean-field normal guide',
    mode,
    ms: { native: t.native.medianMs, stock: t.stock.medianMs },
    stepsPerSecond: { native: round(1000 / t.native.medianMs), stock: round(1000 / t.stock.medianMs) },
    kernelsPerStep: kernels,
  };
}
