import * as tf from '@tensorflow/tfjs';
import type { GemmKernel } from '../../src/runtime/fast/index.js';
import { nativeAddon, useKernels } from '../lib/kernels.js';
import { interleave, pairedRatio, round, type Timing, type Variant } from '../lib/timing.js';

/**
 * The 17 BatchMatMul calls of one VAE IWAE-5 step (784-200-200-20, batch 100, 5 particles): the
 * forward products and the transposed ones their gradients run, as tf.profile lists them.
 */
export const VAE_MATMULS: ReadonlyArray<readonly [number[], number[], boolean, boolean]> = [
  [[100, 784], [784, 200], false, false],
  [[100, 200], [200, 200], false, false],
  [[100, 200], [200, 40], false, false],
  [[500, 20], [20, 200], false, false],
  [[500, 200], [200, 200], false, false],
  [[500, 200], [200, 784], false, false],
  [[500, 784], [200, 784], false, true],
  [[500, 200], [500, 784], true, false],
  [[500, 200], [200, 200], false, true],
  [[500, 200], [500, 200], true, false],
  [[500, 200], [20, 200], false, true],
  [[500, 20], [500, 200], true, false],
  [[100, 40], [200, 40], false, true],
  [[100, 200], [100, 40], true, false],
  [[100, 200], [200, 200], false, true],
  [[100, 200], [100, 200], true, false],
  [[100, 784], [100, 200], true, false],
];

function flops([a, b, ta, tb]: readonly [number[], number[], boolean, boolean]): number {
  const m = ta ? a[1]! : a[0]!;
  const k = ta ? a[0]! : a[1]!;
  const n = tb ? b[0]! : b[1]!;
  return 2 * m * n * k;
}

const gflops = (flop: number, t: Timing): number => round(flop / (t.medianMs * 1e6));

/** The large square product each GEMM micro-kernel is also timed on (n x n by n x n). */
export const SQUARE_N = 1024;

type PerKernel<T> = Partial<Record<GemmKernel, T>>;

export interface MatmulResult {
  readonly description: string;
  /** All 17 products once: median ms and GFLOP/s per variant. */
  readonly step: Record<string, { readonly ms: number; readonly gflops: number }>;
  /** Stock wasm time / native time (1 thread): median of per-round ratios. */
  readonly speedup: number;
  readonly speedup2Threads: number;
  /**
   * The 17 products on each GEMM micro-kernel the CPU runs (forced in turn, 1 thread, interleaved with
   * each other): median ms, GFLOP/s, and portable time / this kernel's time.
   */
  readonly kernels: PerKernel<{ readonly ms: number; readonly gflops: number; readonly speedupOverPortable: number }>;
  /** One SQUARE_N^3 product per micro-kernel (1 thread, interleaved): GFLOP/s. */
  readonly square: { readonly n: number; readonly gflops: PerKernel<number> };
  /** Per product (fewer repeats: max(5, repeats / 4)); gflopsByKernel forces each micro-kernel in turn. */
  readonly shapes: ReadonlyArray<{ readonly a: number[]; readonly b: number[]; readonly transposeA: boolean; readonly transposeB: boolean; readonly gflopsNative: number; readonly gflopsStock: number; readonly speedup: number; readonly gflopsByKernel: PerKernel<number> }>;
}

export async function matmulSuite(repeats: number): Promise<MatmulResult> {
  const addon = (await nativeAddon())!;
  const kernels = addon.kernels();
  const operands = VAE_MATMULS.map(([a, b]) => [tf.randomNormal(a, 0, 1, 'float32', 1), tf.randomNormal(b, 0, 1, 'float32', 2)] as const);
  const product = (i: number): void => {
    const [a, b] = operands[i]!;
    const [, , ta, tb] = VAE_MATMULS[i]!;
    tf.matMul(a, b, ta, tb).dispose();
  };
  const all = (): void => VAE_MATMULS.forEach((_, i) => product(i));
  // Native kernels on `threads` threads with the given GEMM micro-kernel (null: the default, fastest).
  const native = (kernel: GemmKernel | null, threads = 1) => async (): Promise<void> => {
    await useKernels('native', threads);
    addon.forceKernel(kernel);
  };
  const perKernel = (f: (kernel: GemmKernel) => Variant): Record<string, Variant> => Object.fromEntries(kernels.map((k) => [k, f(k)]));
  const variants = {
    native: { setup: native(null), run: all },
    native2Threads: { setup: native(null, 2), run: all },
    stock: { setup: () => useKernels('stock'), run: all },
  };
  const total = VAE_MATMULS.reduce((s, m) => s + flops(m), 0);
  const step = await interleave(variants, { repeats, warmup: 2 });
  // The micro-kernels are interleaved among themselves, not with stock: the run after a stock one was
  // ~10% slower whatever ran it (the garbage stock leaves behind is collected there).
  const byKernelStep = await interleave(perKernel((k) => ({ setup: native(k), run: all })), { repeats, warmup: 2 });

  const [sa, sb] = [tf.randomNormal([SQUARE_N, SQUARE_N], 0, 1, 'float32', 3), tf.randomNormal([SQUARE_N, SQUARE_N], 0, 1, 'float32', 4)];
  const square = await interleave(perKernel((k) => ({ setup: native(k), run: () => tf.matMul(sa, sb).dispose() })), { repeats: Math.max(5, Math.ceil(repeats / 2)), warmup: 1 });
  const squareFlops = 2 * SQUARE_N ** 3;
  sa.dispose();
  sb.dispose();

  // Per-shape detail with fewer repeats: the stock transposed products take ~70 ms each.
  const shapeRepeats = Math.max(5, Math.ceil(repeats / 4));
  const shapes = [];
  for (let i = 0; i < VAE_MATMULS.length; i++) {
    const one = await interleave(
      { native: { setup: native(null), run: () => product(i) }, stock: { setup: () => useKernels('stock'), run: () => product(i) } },
      { repeats: shapeRepeats, warmup: 1 },
    );
    const byKernel = await interleave(perKernel((k) => ({ setup: native(k), run: () => product(i) })), { repeats: shapeRepeats, warmup: 1 });
    const [a, b, transposeA, transposeB] = VAE_MATMULS[i]!;
    const f = flops(VAE_MATMULS[i]!);
    shapes.push({
      a, b, transposeA, transposeB,
      gflopsNative: gflops(f, one.native), gflopsStock: gflops(f, one.stock), speedup: pairedRatio(one.stock, one.native),
      gflopsByKernel: Object.fromEntries(kernels.map((k) => [k, gflops(f, byKernel[k]!)])),
    });
  }
  operands.flat().forEach((t) => t.dispose());
  await native(null)();

  const byKernel = Object.fromEntries(kernels.map((k) => {
    const t = byKernelStep[k]!;
    return [k, { ms: t.medianMs, gflops: gflops(total, t), speedupOverPortable: pairedRatio(byKernelStep['portable']!, t) }];
  }));
  const squareGflops = Object.fromEntries(kernels.map((k) => [k, gflops(squareFlops, square[k]!)]));
  // bench/run.ts prints the suite's headline; the per-kernel numbers get their own line.
  console.log(`matmul GEMM kernels (1 thread): ${kernels.map((k) => `${k} ${byKernel[k]!.gflops} GFLOP/s on the 17 products, ${squareGflops[k]} on ${SQUARE_N}^3`).join('; ')}`);
  return {
    description: 'BatchMatMul on the 17 products of a VAE IWAE-5 step (forward and gradient shapes), tf.matMul on the wasm backend',
    step: Object.fromEntries(Object.entries(step).map(([k, t]) => [k, { ms: t.medianMs, gflops: gflops(total, t) }])),
    speedup: pairedRatio(step.stock, step.native),
    speedup2Threads: pairedRatio(step.stock, step.native2Threads),
    kernels: byKernel,
    square: { n: SQUARE_N, gflops: squareGflops },
    shapes,
  };
}
