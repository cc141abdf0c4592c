import * as tf from '@tensorflow/tfjs';
import { activeKernelSet, ready, setBackend, type KernelSet } from '../../../src/runtime/backend.js';
import { loadNativeAddon, type GemmKernel, type NativeAddon } from '../../../src/runtime/fast/index.js';

/** The addon, or why it is missing: tests of the native path skip (and say why) without it. */
export const load = await loadNativeAddon();
export const addon: NativeAddon | undefined = load.ok ? load.addon : undefined;
export const skipReason = load.ok ? '' : `native addon unavailable (${load.reason}): skipping the native-vs-stock comparison`;
if (!load.ok) console.warn(`test/runtime/fast: ${skipReason}`);

export type Backend = 'wasm' | 'cpu';

/**
 * Every GEMM micro-kernel, with why it is skipped here ('' when this machine runs it). Tests of the
 * native matmul run once per kernel, forcing each in turn (addon.forceKernel).
 */
export const GEMM_KERNELS: ReadonlyArray<{ readonly kernel: GemmKernel; readonly skip: string }> = (['avx512', 'avx2-fma', 'portable'] as const).map((kernel) => ({
  kernel,
  skip: !addon ? skipReason : addon.kernels().includes(kernel) ? '' : `(skipped: this CPU does not run the ${kernel} kernel; it runs ${addon.kernels().join(', ')})`,
}));
for (const { kernel, skip } of GEMM_KERNELS) if (addon && skip) console.warn(`test/runtime/fast: ${kernel} GEMM kernel ${skip}`);

/** Forces the GEMM micro-kernel and checks that it is the one that runs. */
export function forceKernel(kernel: GemmKernel | null): void {
  addon!.forceKernel(kernel);
  const running = addon!.kernel();
  if (kernel !== null && running !== kernel) throw new Error(`forced the ${kernel} GEMM kernel, but ${running} runs`);
}

export async function use(backend: Backend, kernels: KernelSet): Promise<void> {
  setBackend(backend, { kernels });
  await ready();
  if (activeKernelSet() !== kernels) throw new Error(`expected ${kernels} kernels on ${backend}`);
}

/** Puts the suite's default backend back (what test/setup.ts chose) after a file switched kernels. */
export async function restoreDefault(): Promise<void> {
  const fromEnv = process.env['ROULETTE_BACKEND'] as Backend | undefined;
  setBackend(fromEnv ?? 'wasm', { kernels: fromEnv === undefined && addon ? 'native' : 'stock' });
  await ready();
}

/** Deterministic float32 data in [-1, 1) (a fixed LCG: the same numbers on every machine). */
export function data(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Runs each case under the given kernels and returns the values it produced (tensors disposed). Cases
 * build their inputs themselves, so they can be run under stock and native kernels alike.
 */
export async function runCases(backend: Backend, kernels: KernelSet, cases: ReadonlyArray<() => tf.Tensor>): Promise<Values[]> {
  await use(backend, kernels);
  return cases.map((make) => {
    const t = tf.tidy(make);
    const values = t.dataSync() as Values;
    t.dispose();
    return values;
  });
}

/** max |a - b| / (atol + rtol |b|) over elements; <= 1 means "close". NaNs must match. */
export function closeness(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    if (x === y) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
    worst = Math.max(worst, Math.abs(x - y) / (atol + rtol * Math.abs(y)));
  }
  return worst;
}
