import { activeKernelSet, ready, setBackend, type KernelSet } from '../../src/runtime/backend.js';
import { loadNativeAddon, type NativeAddon } from '../../src/runtime/fast/index.js';

/** The addon (benchmarks of the native path need it; the stock-only numbers do not). */
export async function nativeAddon(): Promise<NativeAddon | undefined> {
  const load = await loadNativeAddon();
  return load.ok ? load.addon : undefined;
}

/**
 * Switches the wasm backend between tfjs's stock kernels and the native ones, and the native GEMM's
 * thread count. Cheap (kernels are swapped in tfjs's registry), so benchmarks alternate per repeat.
 */
export async function useKernels(kernels: KernelSet, threads = 1): Promise<void> {
  setBackend('wasm', { kernels });
  await ready();
  if (activeKernelSet() !== kernels) throw new Error(`bench: expected ${kernels} kernels`);
  if (kernels === 'native') (await nativeAddon())?.setThreads(threads);
}
