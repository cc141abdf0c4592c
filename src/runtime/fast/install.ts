import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { BINARY_KERNEL_NAMES, binaryKernel, selectKernel } from './binary.js';
import { identityKernel } from './identity.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { sumKernel } from './sum.js';
import { tileKernel } from './tile.js';
import { UNARY_OPS, unaryKernel } from './unary.js';

/** Backends whose tensor memory the addon can work on in place (see memory.ts). */
export type NativeCapableBackend = 'wasm' | 'cpu';

export const NATIVE_CAPABLE: readonly NativeCapableBackend[] = ['wasm', 'cpu'];

/** Each replaced kernel and how to build its native version from the stock one (its fallback). */
const NATIVE_KERNELS: ReadonlyArray<readonly [string, (addon: NativeAddon, stock: tf.KernelFunc) => tf.KernelFunc]> = [
  ['BatchMatMul', batchMatMulKernel],
  ['_FusedMatMul', fusedMatMulKernel],
  ['Tile', tileKernel],
  ['Identity', identityKernel],
  ['Sum', sumKernel],
  ['Select', selectKernel],
  ...BINARY_KERNEL_NAMES.map((name) => [name, binaryKernel(name)] as const),
  ...Object.keys(UNARY_OPS).map((name) => [name, unaryKernel(name)] as const),
];

/** The stock configs we replaced, by `${backend}/${kernel}`: to restore them and to fall back on. */
const stockConfigs = new Map<string, tf.KernelConfig>();
const nativeConfigs = new Map<string, tf.KernelConfig>();

function swap(next: tf.KernelConfig): void {
  tf.unregisterKernel(next.kernelName, next.backendName);
  tf.registerKernel(next);
}

/**
 * Replaces the stock kernels of `backendName` by the native ones (idempotent). tfjs looks kernels up at
 * every call, so this takes effect at once, also on an initialised backend. The native config carries
 * the stock setup function, so the fallback works even when the backend initialises afterwards.
 */
export function installNativeKernels(backendName: NativeCapableBackend, addon: NativeAddon): void {
  for (const [kernelName, make] of NATIVE_KERNELS) {
    const key = `${backendName}/${kernelName}`;
    const current = tf.getKernel(kernelName, backendName);
    if (!current) continue;
    if (nativeConfigs.get(key) === current) continue;
    const stock = stockConfigs.get(key) ?? current;
    stockConfigs.set(key, stock);
    const native: tf.KernelConfig = {
      kernelName,
      backendName,
      kernelFunc: make(addon, stock.kernelFunc),
      ...(stock.setupFunc ? { setupFunc: stock.setupFunc } : {}),
      ...(stock.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
    };
    nativeConfigs.set(key, native);
    swap(native);
  }
}

/** Puts tfjs's own kernels back on `backendName` (a no-op if native ones were never installed). */
export function restoreStockKernels(backendName: string): void {
  for (const [kernelName] of NATIVE_KERNELS) {
    const key = `${backendName}/${kernelName}`;
    const stock = stockConfigs.get(key);
    if (stock && tf.getKernel(kernelName, backendName) !== stock) swap(stock);
  }
}

/** Whether `backendName` currently runs the native kernels. */
export function hasNativeKernels(backendName: string): boolean {
  return NATIVE_KERNELS.some(([kernelName]) => {
    const native = nativeConfigs.get(`${backendName}/${kernelName}`);
    return native !== undefined && tf.getKernel(kernelName, backendName) === native;
  });
}

/** Names of the kernels the native path replaces (benchmarks and tests list them). */
export const NATIVE_KERNEL_NAMES: readonly string[] = NATIVE_KERNELS.map(([name]) => name);
