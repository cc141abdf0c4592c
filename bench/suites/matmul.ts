import * as tf from '@tensorflow/tfjs';
import { useKernels } from '../lib/kernels.js';
import { interleave, pairedRatio, round, type Timing } from '../lib/timing.js';

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

export interface MatmulResult {
  readonly description: string;
  /** All 17 products once: median ms and GFLOP/s per variant. */
  readonly step: Record<string, { readonly ms: number; readonly gflops: number }>;
  /** Stock wasm time / native time (1 thread): median of per-round ratios. */
  readonly speedup: number;
  readonly speedup2Threads: number;
  /** Per product (fewer repeats: max(5, repeats / 4)). */
  readonly shapes: ReadonlyArray<{ readonly a: number[]; readonly b: number[]; readonly transposeA: boolean; readonly transposeB: boolean; readonly gflopsNative: number; readonly gflopsStock: number; readonly speedup: number }>;
}

export async function matmulSuite(repeats: number): Promise<MatmulResult> {
  const operands = VAE_MATMULS.map(([a, b]) => [tf.randomNormal(a, 0, 1, 'float32', 1), tf.randomNormal(b, 0, 1, 'float32', 2)] as const);
  const product = (i: number): void => {
    const [a, b] = operands[i]!;
    const [, , ta, tb] = VAE_MATMULS[i]!;
    tf.matMul(a, b, ta, tb).dispose();
  };
  const all = (): void => VAE_MATMULS.forEach((_, i) => product(i));
  const variants = {
    native: { setup: () => useKernels('native', 1), run: all },
    native2Threads: { setup: () => useKernels('native', 2), run: all },
    stock: { setup: () => useKernels('stock'), run: all },
  };
  const total = VAE_MATMULS.reduce((s, m) => s + flops(m), 0);
  const step = await interleave(variants, { repeats, warmup: 2 });
  // Per-shape detail with fewer repeats: the stock transposed products take ~70 ms each.
  const shapeRepeats = Math.max(5, Math.ceil(repeats / 4));
  const shapes = [];
  for (let i = 0; i < VAE_MATMULS.length; i++) {
    const one = await interleave(
      { native: { setup: () => useKernels('native', 1), run: () => product(i) }, stock: { setup: () => useKernels('stock'), run: () => product(i) } },
      { repeats: shapeRepeats, warmup: 1 },
    );
    const [a, b, transposeA, transposeB] = VAE_MATMULS[i]!;
    shapes.push({ a, b, transposeA, transposeB, gflopsNative: gflops(flops(VAE_MATMULS[i]!), one.native), gflopsStock: gflops(flops(VAE_MATMULS[i]!), one.stock), speedup: pairedRatio(one.stock, one.native) });
  }
  operands.flat().forEach((t) => t.dispose());
  await useKernels('native', 1);
  return {
    description: 'BatchMatMul on the 17 products of a VAE IWAE-5 step (forward and gradient shapes), tf.matMul on the wasm backend',
    step: Object.fromEntries(Object.entries(step).map(([k, t]) => [k, { ms: t.medianMs, gflops: gflops(total, t) }])),
    speedup: pairedRatio(step.stock, step.native),
    speedup2Threads: pairedRatio(step.stock, step.native2Threads),
    shapes,
  };
}
