import * as tf from '@tensorflow/tfjs';
import { vae } from '../../examples/vae-mnist/model.js';
import { adam, iwae, svi } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/param-store.js';
import { handWrittenVae } from '../lib/hand-written-vae.js';
import { useKernels } from '../lib/kernels.js';
import { kernelsPerStep, type KernelCount } from '../lib/profile.js';
import { vaeBatch } from '../lib/vae-data.js';
import { interleave, pairedRatio, round } from '../lib/timing.js';

export interface VaeStepResult {
  readonly description: string;
  /** Median ms per training step. */
  readonly ms: { readonly roulette: Record<'native' | 'native2Threads' | 'stock', number>; readonly handWritten: Record<'native' | 'stock', number> };
  /** Roulette's step, stock wasm / native (median of per-round ratios). */
  readonly speedup: number;
  /** Roulette's step over the hand-written one on the same kernels, minus 1 (0.1 = 10% slower); median of per-round ratios. */
  readonly overhead: { readonly native: number; readonly stock: number };
  /** tf.profile of one step after the timed ones (native kernels), roulette's and the hand-written one's. */
  readonly kernelsPerStep: { readonly roulette: KernelCount; readonly handWritten: KernelCount };
}

export async function vaeStepSuite(repeats: number): Promise<VaeStepResult> {
  const { x, outputBias } = vaeBatch();
  clearParamStore();
  const { model, guide } = vae({ latent: 20, hidden: [200, 200], outputBias });
  const fit = svi(model, guide, { estimator: iwae({ k: 5 }), optimizer: adam({ lr: 1e-3 }), seed: 1 });
  const hand = handWrittenVae({ k: 5, latent: 20, hidden: [200, 200], outputBias });
  const roulette = (): void => void fit.step(x);
  const handStep = (): void => void hand.step(x);
  const t = await interleave(
    {
      rouletteNative: { setup: () => useKernels('native', 1), run: roulette },
      rouletteNative2Threads: { setup: () => useKernels('native', 2), run: roulette },
      rouletteStock: { setup: () => useKernels('stock'), run: roulette },
      handNative: { setup: () => useKernels('native', 1), run: handStep },
      handStock: { setup: () => useKernels('stock'), run: handStep },
    },
    { repeats, warmup: 3 },
  );
  await useKernels('native', 1);
  const kernels = { roulette: await kernelsPerStep(roulette), handWritten: await kernelsPerStep(handStep) };
  hand.dispose();
  clearParamStore();
  tf.dispose([x, outputBias]);
  await useKernels('native', 1);
  return {
    description: "VAE (784-200-200-20, tanh) IWAE-5 training step, batch 100 MNIST digits: roulette's svi(model, guide, { estimator: iwae({ k: 5 }) }) vs a hand-written tfjs step (bench/lib/hand-written-vae.ts), wasm backend",
    ms: {
      roulette: { native: t.rouletteNative.medianMs, native2Threads: t.rouletteNative2Threads.medianMs, stock: t.rouletteStock.medianMs },
      handWritten: { native: t.handNative.medianMs, stock: t.handStock.medianMs },
    },
    speedup: pairedRatio(t.rouletteStock, t.rouletteNative),
    overhead: { native: round(pairedRatio(t.rouletteNative, t.handNative) - 1), stock: round(pairedRatio(t.rouletteStock, t.handStock) - 1) },
    kernelsPerStep: kernels,
  };
}
