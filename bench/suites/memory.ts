import * as tf from '@tensorflow/tfjs';
import { vae } from '../../examples/vae-mnist/model.js';
import { adam, iwae, svi } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/param-store.js';
import { useKernels } from '../lib/kernels.js';
import { vaeBatch } from '../lib/vae-data.js';

export interface MemoryResult {
  readonly description: string;
  /** tf.profile of one VAE IWAE-5 step: peak tensor bytes, and tensors/bytes left behind (0 = no leak). */
  readonly step: Record<'native' | 'stock', { readonly peakBytes: number; readonly newBytes: number; readonly newTensors: number }>;
  /** Size of the wasm heap (it only grows): the high-water mark of tensor memory plus allocator slack. */
  readonly wasmHeapBytes: number;
  /** The process's peak resident set size over the whole bench run so far. */
  readonly maxRssBytes: number;
}

export async function memorySuite(): Promise<MemoryResult> {
  const { x, outputBias } = vaeBatch();
  clearParamStore();
  const { model, guide } = vae({ latent: 20, hidden: [200, 200], outputBias });
  const fit = svi(model, guide, { estimator: iwae({ k: 5 }), optimizer: adam({ lr: 1e-3 }), seed: 4 });
  const step: Partial<MemoryResult['step']> = {};
  for (const kernels of ['native', 'stock'] as const) {
    await useKernels(kernels);
    fit.step(x); // params and optimiser slots exist before the profiled step
    const info = await tf.profile(() => void fit.step(x));
    step[kernels] = { peakBytes: info.peakBytes, newBytes: info.newBytes, newTensors: info.newTensors };
  }
  clearParamStore();
  tf.dispose([x, outputBias]);
  await useKernels('native');
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
  return {
    description: 'memory of the VAE IWAE-5 step (batch 100)',
    step: step as MemoryResult['step'],
    wasmHeapBytes: heap,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
