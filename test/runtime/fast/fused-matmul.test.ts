import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addon, closeness, data, forceKernel, GEMM_KERNELS, restoreDefault, runCases, type Backend, type Values } from './helpers.js';

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'leakyrelu' | 'sigmoid' | 'prelu';

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly ta: boolean;
  readonly tb: boolean;
  /** Bias shape, or undefined for none. [m, n] and batch-varying biases exercise the stock fallback. */
  readonly bias?: readonly number[];
  readonly activation: Activation;
  readonly batch?: readonly number[];
}

const activations: readonly Activation[] = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'];
const cases: Case[] = [];
for (const activation of activations) {
  for (const [ta, tb] of [[false, false], [true, true], [false, true]] as const) {
    cases.push({ m: 9, n: 21, k: 13, ta, tb, bias: [21], activation });
  }
  cases.push({ m: 9, n: 21, k: 13, ta: true, tb: false, activation });
}
cases.push({ m: 9, n: 21, k: 13, ta: false, tb: false, bias: [1, 21], activation: 'relu' });
cases.push({ m: 9, n: 21, k: 13, ta: false, tb: false, bias: [9, 1], activation: 'elu' });
cases.push({ m: 9, n: 21, k: 13, ta: false, tb: false, bias: [1], activation: 'sigmoid' });
cases.push({ m: 9, n: 21, k: 13, ta: false, tb: false, bias: [9, 21], activation: 'relu6' });
cases.push({ m: 9, n: 1, k: 13, ta: false, tb: false, bias: [1], activation: 'linear' });
cases.push({ m: 100, n: 200, k: 784, ta: false, tb: false, bias: [200], activation: 'relu', batch: [3] });
cases.push({ m: 7, n: 5, k: 3, ta: false, tb: false, bias: [3, 1, 5], activation: 'linear', batch: [3] });
// Across the 8 x 48 AVX-512 tile and its 16-column vectors; k = 1, and k past one 256-deep K-block.
cases.push({ m: 17, n: 97, k: 1, ta: false, tb: true, bias: [97], activation: 'prelu' });
cases.push({ m: 33, n: 50, k: 300, ta: true, tb: false, bias: [50], activation: 'leakyrelu' });
cases.push({ m: 33, n: 50, k: 300, ta: false, tb: false, bias: [33, 1], activation: 'relu6' });

const describeCase = (c: Case): string => `${c.activation} bias=[${c.bias ?? '-'}] batch=[${c.batch ?? []}] ${c.m}x${c.n}x${c.k} ta=${c.ta} tb=${c.tb}`;

function operands(c: Case, seed: number): { a: tf.Tensor; b: tf.Tensor; bias?: tf.Tensor; prelu?: tf.Tensor } {
  const batch = [...(c.batch ?? [])];
  const sa = [...batch, ...(c.ta ? [c.k, c.m] : [c.m, c.k])];
  const sb = [...batch, ...(c.tb ? [c.n, c.k] : [c.k, c.n])];
  const count = (s: readonly number[]): number => s.reduce((x, y) => x * y, 1);
  return {
    a: tf.tensor(data(count(sa), seed), sa),
    b: tf.tensor(data(count(sb), seed + 1), sb),
    ...(c.bias ? { bias: tf.tensor(data(count(c.bias), seed + 2), [...c.bias]) } : {}),
    ...(c.activation === 'prelu' ? { prelu: tf.tensor(data(c.n, seed + 3), [c.n]) } : {}),
  };
}

function forward(c: Case, seed: number): tf.Tensor {
  const { a, b, bias, prelu } = operands(c, seed);
  return tf.fused.matMul({
    a, b, transposeA: c.ta, transposeB: c.tb, activation: c.activation, leakyreluAlpha: 0.3,
    ...(bias ? { bias } : {}), ...(prelu ? { preluActivationWeights: prelu } : {}),
  });
}

/**
 * The same computation unfused (matMul, add, activation). The reference: tfjs 4.22's stock wasm
 * _FusedMatMul adds the bias wrongly when both operands are transposed, so it cannot be one.
 */
function unfused(c: Case, seed: number): tf.Tensor {
  const { a, b, bias, prelu } = operands(c, seed);
  const y = bias ? tf.add(tf.matMul(a, b, c.ta, c.tb), bias) : tf.matMul(a, b, c.ta, c.tb);
  switch (c.activation) {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'elu':
      return tf.elu(y);
    case 'leakyrelu':
      return tf.leakyRelu(y, 0.3);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'prelu':
      return tf.prelu(y, prelu!);
  }
}

/** Gradients w.r.t. a, b and the bias through the fused op (its gradient runs BatchMatMul kernels). */
function gradients(c: Case, seed: number): tf.Tensor {
  const { a, b, bias } = operands(c, seed);
  const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(tf.fused.matMul({ a: x, b: y, transposeA: c.ta, transposeB: c.tb, bias: z, activation: c.activation === 'prelu' ? 'linear' : c.activation, leakyreluAlpha: 0.3 }), 0.5));
  const grads = tf.grads(f)([a, b, bias ?? tf.zeros([c.n])]);
  return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
}

afterAll(restoreDefault);

const backends: readonly Backend[] = ['wasm', 'cpu'];

// float32 sums of k products of values in [-1, 1) differ between summation orders (and with or without
// FMA, which the portable kernel lacks) by about sqrt(k) ulps of the partial sums; as matmul.test.ts.
const atol = (c: Case): number => Math.max(1e-5, 8e-6 * Math.sqrt(c.k));

// Stock wasm accepts only rank-1 biases (native and cpu take any broadcastable one).
const casesOn = (backend: Backend): Case[] => (backend === 'wasm' ? cases.filter((c) => (c.bias?.length ?? 1) === 1) : cases);
const gradientCases = (backend: Backend): Case[] => casesOn(backend).filter((c) => c.bias && !c.batch);

const stockRuns = new Map<Backend, Values[]>();
async function stockValues(backend: Backend): Promise<Values[]> {
  let values = stockRuns.get(backend);
  if (!values) {
    values = await runCases(backend, 'stock', [...casesOn(backend).map((c, i) => () => unfused(c, i)), ...gradientCases(backend).map((c, i) => () => gradients(c, 100 + i))]);
    stockRuns.set(backend, values);
  }
  return values;
}

// The epilogue (bias, activation) runs after whichever GEMM micro-kernel the CPU has: each is forced in turn.
for (const { kernel, skip } of GEMM_KERNELS) {
  describe.skipIf(skip !== '')(`native _FusedMatMul, GEMM kernel ${kernel} ${skip}`.trim(), () => {
    beforeAll(() => forceKernel(kernel));
    afterAll(() => forceKernel(null));

    it.each(backends)('matches the stock kernels on %s, forward and gradients', async (backend) => {
      const own = casesOn(backend);
      const stock = await stockValues(backend);
      const native = await runCases(backend, 'native', [...own.map((c, i) => () => forward(c, i)), ...gradientCases(backend).map((c, i) => () => gradients(c, 100 + i))]);
      expect(addon!.kernel()).toBe(kernel);
      expect(native.length).toBe(stock.length);
      stock.forEach((s, i) => {
        const label = i < own.length ? describeCase(own[i]!) : `gradient ${i - own.length}`;
        expect(native[i]!.length, label).toBe(s.length);
        expect(closeness(native[i]!, s, 1e-5, i < own.length ? atol(own[i]!) : 1e-5), label).toBeLessThanOrEqual(1);
      });
    });
  });
}
