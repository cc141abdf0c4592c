import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOffsets, planMatMul } from '../../../src/runtime/fast/index.js';
import { addon, closeness, data, forceKernel, GEMM_KERNELS, restoreDefault, runCases, skipReason, type Backend, type Values } from './helpers.js';

/** A product of a [...batchA, m, k] and b [...batchB, k, n], each possibly stored transposed. */
interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly ta: boolean;
  readonly tb: boolean;
  readonly batchA: readonly number[];
  readonly batchB: readonly number[];
}

const shapeOf = (c: Case, side: 'a' | 'b'): number[] =>
  side === 'a' ? [...c.batchA, ...(c.ta ? [c.k, c.m] : [c.m, c.k])] : [...c.batchB, ...(c.tb ? [c.n, c.k] : [c.k, c.n])];

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function inputs(c: Case, seed: number): [tf.Tensor, tf.Tensor] {
  const sa = shapeOf(c, 'a');
  const sb = shapeOf(c, 'b');
  return [tf.tensor(data(size(sa), seed), sa), tf.tensor(data(size(sb), seed + 1), sb)];
}

const references = new Map<Case, Float64Array>();

/** float64 reference, with full batch broadcasting (computed once per case). */
function reference(c: Case, seed: number): Float64Array {
  let out = references.get(c);
  if (!out) {
    out = computeReference(c, seed);
    references.set(c, out);
  }
  return out;
}

function computeReference(c: Case, seed: number): Float64Array {
  const a = data(size(shapeOf(c, 'a')), seed);
  const b = data(size(shapeOf(c, 'b')), seed + 1);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape([...c.batchA], [...c.batchB]);
  const aOff = batchOffsets(outBatch, c.batchA, c.m * c.k);
  const bOff = batchOffsets(outBatch, c.batchB, c.k * c.n);
  const out = new Float64Array(aOff.length * c.m * c.n);
  for (let q = 0; q < aOff.length; q++) {
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let s = 0;
        for (let p = 0; p < c.k; p++) {
          const av = a[aOff[q]! + (c.ta ? p * c.m + i : i * c.k + p)]!;
          const bv = b[bOff[q]! + (c.tb ? j * c.k + p : p * c.n + j)]!;
          s += av * bv;
        }
        out[(q * c.m + i) * c.n + j] = s;
      }
    }
  }
  return out;
}

const transposes: ReadonlyArray<readonly [boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

// Odd sizes, sizes on and across the micro-tiles (8 x 48 in 16-column vectors, 6 x 16, 4 x 8), the
// K-block (256), M-block (48, 60, 120) and N-block (2048, 2064) edges, k = 1, vectors, and the VAE's own
// shapes.
const sizes: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 5, 1], [7, 13, 17], [6, 16, 32], [12, 32, 256], [13, 33, 257],
  [121, 17, 5], [2, 2049, 3], [37, 41, 600], [100, 40, 200], [100, 200, 20],
  [8, 48, 16], [9, 49, 1], [16, 96, 33], [17, 95, 20], [7, 64, 9], [25, 111, 2], [241, 97, 300], [2, 2065, 3],
];
const batches: ReadonlyArray<readonly [number[], number[]]> = [
  [[], []], [[3], [3]], [[3], []], [[], [2]], [[1], [4]], [[2, 1], [1, 3]], [[2, 3], [3]],
];

const cases: Case[] = [];
for (const [m, n, k] of sizes) for (const [ta, tb] of transposes) cases.push({ m, n, k, ta, tb, batchA: [], batchB: [] });
for (const [batchA, batchB] of batches) for (const [ta, tb] of transposes) cases.push({ m: 7, n: 9, k: 11, ta, tb, batchA, batchB });
cases.push({ m: 500, n: 784, k: 200, ta: false, tb: false, batchA: [], batchB: [] });
cases.push({ m: 200, n: 784, k: 500, ta: true, tb: false, batchA: [], batchB: [] });
cases.push({ m: 500, n: 200, k: 784, ta: false, tb: true, batchA: [], batchB: [] });
cases.push({ m: 100, n: 200, k: 784, ta: false, tb: false, batchA: [5], batchB: [] });

/**
 * tfjs 4.22's stock kernels flatten batch dims and index the smaller operand modulo its size: right
 * for equal sizes, a size-1 batch, or a trailing-suffix batch, but they mis-size the output of a true
 * two-sided broadcast ([2, 1] x [1, 3]). The native kernel broadcasts fully; those cases are checked
 * against the reference only.
 */
function stockSupports(c: Case): boolean {
  const sa = size(c.batchA);
  const sb = size(c.batchB);
  const [long, short] = c.batchA.length >= c.batchB.length ? [c.batchA, c.batchB] : [c.batchB, c.batchA];
  const suffix = short.every((d, i) => d === long[long.length - short.length + i]);
  return sa === sb || sa === 1 || sb === 1 || suffix;
}

const describeCase = (c: Case): string => `[${c.batchA}|${c.batchB}] ${c.m}x${c.n}x${c.k} ta=${c.ta} tb=${c.tb}`;
const makeCases = (): Array<() => tf.Tensor> => cases.map((c, i) => () => {
  const [a, b] = inputs(c, i);
  return tf.matMul(a, b, c.ta, c.tb);
});

// float32 sums of k products of values in [-1, 1): errors grow like sqrt(k) ulps of the partial sums.
const tolerance = (c: Case): number => 2e-6 * Math.sqrt(c.k) * 4;

afterAll(restoreDefault);

const backends: readonly Backend[] = ['wasm', 'cpu'];

describe.each(backends)('BatchMatMul on %s', (backend) => {
  it('stock kernels match a float64 reference (runs everywhere)', async () => {
    const stock = await stockValues(backend);
    cases.forEach((c, i) => {
      if (!stockSupports(c)) return;
      expect(closeness(stock[i]!, reference(c, i), 0, tolerance(c)), describeCase(c)).toBeLessThanOrEqual(1);
    });
  });
});

const stockRuns = new Map<Backend, Values[]>();
async function stockValues(backend: Backend): Promise<Values[]> {
  let values = stockRuns.get(backend);
  if (!values) {
    values = await runCases(backend, 'stock', makeCases());
    stockRuns.set(backend, values);
  }
  return values;
}

// Every GEMM micro-kernel the CPU runs, forced in turn: each must match the reference on its own.
for (const { kernel, skip } of GEMM_KERNELS) {
  describe.skipIf(skip !== '')(`native BatchMatMul, GEMM kernel ${kernel} ${skip}`.trim(), () => {
    beforeAll(() => forceKernel(kernel));
    afterAll(() => {
      addon!.setThreads(1);
      forceKernel(null);
    });

    it.each(backends)('matches the reference and the stock kernels on %s', async (backend) => {
      const stock = await stockValues(backend);
      const native = await runCases(backend, 'native', makeCases());
      expect(addon!.kernel()).toBe(kernel);
      cases.forEach((c, i) => {
        expect(closeness(native[i]!, reference(c, i), 0, tolerance(c)), describeCase(c)).toBeLessThanOrEqual(1);
        if (!stockSupports(c)) return;
        expect(closeness(native[i]!, stock[i]!, 0, 2 * tolerance(c)), describeCase(c)).toBeLessThanOrEqual(1);
      });
    });

    it('gives bit-identical results on 1 and 2 threads', async () => {
      const big = cases.filter((c) => c.m * c.n * c.k >= 1e6);
      const make = (): Array<() => tf.Tensor> => big.map((c) => () => {
        const [a, b] = inputs(c, 7);
        return tf.matMul(a, b, c.ta, c.tb);
      });
      addon!.setThreads(1);
      const one = await runCases('wasm', 'native', make());
      addon!.setThreads(2);
      const two = await runCases('wasm', 'native', make());
      addon!.setThreads(1);
      big.forEach((c, i) => expect(Array.from(two[i]!), describeCase(c)).toEqual(Array.from(one[i]!)));
    });
  });
}

describe.skipIf(!addon)(`native GEMM ${skipReason}`, () => {
  it('forces only the kernels the CPU runs, and goes back to the fastest', () => {
    const available = addon!.kernels();
    expect(available.at(-1)).toBe('portable');
    expect(addon!.kernel()).toBe(available[0]);
    for (const { kernel, skip } of GEMM_KERNELS) {
      if (skip) {
        expect(() => addon!.forceKernel(kernel)).toThrow(/this CPU runs/);
        expect(addon!.kernel()).toBe(available[0]);
      } else {
        forceKernel(kernel);
      }
    }
    expect(() => addon!.forceKernel('sse9' as never)).toThrow(/no GEMM kernel 'sse9'/);
    addon!.forcePortable(true);
    expect(addon!.kernel()).toBe('portable');
    addon!.forcePortable(false);
    expect(addon!.kernel()).toBe(available[0]);
    forceKernel(null);
    expect(addon!.kernel()).toBe(available[0]);
  });

  it('rejects arrays too small for the shapes it is given, instead of writing past them', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const dims = Int32Array.of(2, 2, 3, 0, 0, 1, 0);
    expect(() => addon!.matmul(a, b, new Float32Array(3), dims, Int32Array.of(0), Int32Array.of(0), null, 0, 0, null)).toThrow(/too small/);
    expect(() => addon!.matmul(a, b, new Float32Array(4), dims, Int32Array.of(1), Int32Array.of(0), null, 0, 0, null)).toThrow(/out of range/);
    expect(() => addon!.matmul(a, b, new Float32Array(4), Int32Array.of(2, 2, 3, 0, 0, 1, 0), Int32Array.of(0), Int32Array.of(0), null, 9, 0, null)).toThrow(/activation/);
  });
});

describe('matmul planning', () => {
  it('broadcasts batch dims like tfjs and leaves mismatches to the stock kernel', () => {
    expect(Array.from(batchOffsets([2, 3], [2, 1], 10))).toEqual([0, 0, 0, 10, 10, 10]);
    expect(Array.from(batchOffsets([2, 3], [3], 10))).toEqual([0, 10, 20, 0, 10, 20]);
    expect(Array.from(batchOffsets([4], [], 10))).toEqual([0, 0, 0, 0]);
    expect(planMatMul([2, 3], [4, 5], false, false)).toBeUndefined(); // inner sizes differ
    expect(planMatMul([2, 2, 3], [3, 3, 5], false, false)).toBeUndefined(); // batch 2 vs 3
    expect(planMatMul([0, 3], [3, 5], false, false)).toBeUndefined(); // empty
    expect(planMatMul([3, 2], [5, 3], true, true)?.outShape).toEqual([2, 5]);
  });

  it('reports shape errors with tfjs\'s own message', () => {
    expect(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]))).toThrow(/inner shapes|must match/);
  });
});
