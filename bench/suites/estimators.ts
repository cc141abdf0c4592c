import * as tf from '@tensorflow/tfjs';
import { vae } from '../../examples/vae-mnist/model.js';
import { adam, ESTIMATOR_REGISTRY, svi, type EstimatorName } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/param-store.js';
import { useKernels } from '../lib/kernels.js';
import { kernelsPerStep, type KernelCount } from '../lib/profile.js';
import { vaeBatch } from '../lib/vae-data.js';
import { interleave, pairedRatio, round } from '../lib/timing.js';

/**
 * Estimators benchmarked on the VAE, built by the registry with its defaults (iwae's k = 5). rws and
 * cisir are left out: cisir's chains on an untrained VAE take minutes to meet.
 */
export const BENCHED: readonly EstimatorName[] = ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr'];
/** The result keys of earlier runs (bench/results): iwae was reported with its k. */
const LABEL: Partial<Record<EstimatorName, string>> = { iwae: 'iwae-5' };

export interface EstimatorResult {
  /** Training steps per second (from the median step time), native and stock kernels. */
  readonly stepsPerSecond: { readonly native: number; readonly stock: number };
  readonly speedup: number;
  /** tf.profile of 5 steps after the timed ones (native kernels): the median step, and the range (debiased estimators draw a level per step). */
  readonly kernelsPerStep: KernelCount;
}

export async function estimatorSuite(repeats: number): Promise<{ readonly description: string; readonly estimators: Record<string, EstimatorResult> }> {
  const { x, outputBias } = vaeBatch();
  const estimators: Record<string, EstimatorResult> = {};
  for (const estimator of BENCHED) {
    const name = LABEL[estimator] ?? estimator;
    clearParamStore();
    const { model, guide } = vae({ latent: 20, hidden: [200, 200], outputBias });
    const fit = svi(model, guide, { ...ESTIMATOR_REGISTRY.get(estimator)!.create(), optimizer: adam({ lr: 1e-3 }), seed: 3 });
    const step = (): void => void fit.step(x);
    const t = await interleave(
      { native: { setup: () => useKernels('native', 1), run: step }, stock: { setup: () => useKernels('stock'), run: step } },
      { repeats, warmup: 2 },
    );
    await useKernels('native', 1);
    const kernels = await kernelsPerStep(step, { steps: 5 });
    estimators[name] = {
      stepsPerSecond: { native: round(1000 / t.native.medianMs), stock: round(1000 / t.stock.medianMs) },
      speedup: pairedRatio(t.stock, t.native),
      kernelsPerStep: kernels,
    };
  }
  clearParamStore();
  tf.dispose([x, outputBias]);
  await useKernels('native', 1);
  return { description: 'svi steps per second on the VAE (batch 100) per estimator, default options; the debiased estimators draw a random level each step', estimators };
}
