import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { memoryOf } from './memory.js';

/**
 * BatchMatMul and _FusedMatMul on the native GEMM. Shapes follow tfjs: a [...batchA, m, k] (or
 * [..., k, m] transposed), b [...batchB, k, n] (or [..., n, k]); batch dims broadcast. Anything the
 * native path does not cover (other dtypes, biases or PReLU slopes that are not one per column or row,
 * empty tensors, mismatched shapes, whose errors tfjs words best) goes to the stock kernel.
 */

/** tfjs fused activations the native epilogue implements, by tfjs name (native/gemm.h Activation). */
const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5, prelu: 6 };

export interface MatMulPlan {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly outShape: number[];
  readonly aOffsets: Int32Array;
  readonly bOffsets: Int32Array;
}

/**
 * Element offset of each output matrix's A (or B) operand: output batch index i, unravelled over the
 * output batch shape, maps to the operand's batch index with its size-1 dims pinned to 0.
 */
export function batchOffsets(outBatch: readonly number[], batch: readonly number[], matrixSize: number): Int32Array {
  const count = outBatch.reduce((a, b) => a * b, 1);
  const own = batch.reduce((a, b) => a * b, 1);
  const offsets = new Int32Array(count);
  if (own === 1) return offsets;
  if (own === count && batch.length <= outBatch.length && batch.every((d, i) => d === outBatch[outBatch.length - batch.length + i])) {
    for (let i = 0; i < count; i++) offsets[i] = i * matrixSize;
    return offsets;
  }
  // General broadcast: strides of the operand's batch dims, right-aligned to the output's, 0 where size 1.
  const rank = outBatch.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = matrixSize;
  for (let d = batch.length - 1; d >= 0; d--) {
    strides[rank - batch.length + d] = batch[d] === 1 ? 0 : stride;
    stride *= batch[d]!;
  }
  for (let i = 0; i < count; i++) {
    let rest = i;
    let offset = 0;
    for (let d = rank - 1; d >= 0; d--) {
      offset += (rest % outBatch[d]!) * strides[d]!;
      rest = Math.floor(rest / outBatch[d]!);
    }
    offsets[i] = offset;
  }
  return offsets;
}

/** The product's sizes and output shape, or undefined when tfjs's own kernel should decide (and explain). */
export function planMatMul(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): MatMulPlan | undefined {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const k = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const kb = transposeB ? bShape[rb - 1]! : bShape[rb - 2]!;
  const n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
  if (k !== kb) return undefined;
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  } catch {
    return undefined;
  }
  const outShape = [...outBatch, m, n];
  if (outShape.some((d) => d === 0) || k === 0) return undefined;
  return { m, n, k, outShape, aOffsets: batchOffsets(outBatch, batchA, m * k), bOffsets: batchOffsets(outBatch, batchB, k * n) };
}

const dims = new Int32Array(7);

interface Epilogue {
  readonly bias?: tf.TensorInfo;
  readonly biasPerRow: boolean;
  /** The bias is one value for every element (spread over a column vector at run time). */
  readonly biasScalar?: boolean;
  readonly activation: number;
  readonly alpha: number;
  /** PReLU slopes, one per column. */
  readonly prelu?: tf.TensorInfo;
}

const LINEAR: Epilogue = { biasPerRow: false, activation: 0, alpha: 0 };

function run(addon: NativeAddon, backend: object, a: tf.TensorInfo, b: tf.TensorInfo, plan: MatMulPlan, transposeA: boolean, transposeB: boolean, epilogue: Epilogue): tf.TensorInfo | undefined {
  const memory = memoryOf(backend);
  if (!memory) return undefined;
  // Inputs in a fixed order (a, b, bias?, prelu?) so the views can be picked out by position.
  const inputs = [a, b, ...(epilogue.bias ? [epilogue.bias] : []), ...(epilogue.prelu ? [epilogue.prelu] : [])];
  return memory.output(plan.outShape, 'float32', inputs, (out, views) => {
    const [av, bv] = views;
    const biasStored = epilogue.bias ? (views[2] as Float32Array) : undefined;
    const biasView = biasStored && epilogue.biasScalar ? new Float32Array(plan.n).fill(biasStored[0]!) : biasStored;
    const preluView = epilogue.prelu ? views[epilogue.bias ? 3 : 2] : undefined;
    // Every tensor here is float32 (checked by the callers), so the adapters hand out Float32Arrays.
    dims[0] = plan.m;
    dims[1] = plan.n;
    dims[2] = plan.k;
    dims[3] = transposeA ? 1 : 0;
    dims[4] = transposeB ? 1 : 0;
    dims[5] = plan.aOffsets.length;
    dims[6] = epilogue.biasPerRow ? 1 : 0;
    addon.matmul(
      av as Float32Array,
      bv as Float32Array,
      out as Float32Array,
      dims,
      plan.aOffsets,
      plan.bOffsets,
      biasView ?? null,
      epilogue.activation,
      epilogue.alpha,
      (preluView as Float32Array | undefined) ?? null,
    );
  });
}

interface MatMulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

function matMulAttrs(attrs: tf.NamedAttrMap | undefined): MatMulAttrs {
  return { transposeA: attrs?.['transposeA'] === true, transposeB: attrs?.['transposeB'] === true };
}

/** BatchMatMul on the native GEMM, `stock` for what it does not cover. */
export function batchMatMulKernel(addon: NativeAddon, stock: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { a, b } = params.inputs;
    const { transposeA, transposeB } = matMulAttrs(params.attrs);
    if (a && b && a.dtype === 'float32' && b.dtype === 'float32') {
      const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
      const out = plan && run(addon, params.backend, a, b, plan, transposeA, transposeB, LINEAR);
      if (out) return out;
    }
    return stock(params);
  };
}

/**
 * How a fused bias broadcasts onto [..., m, n]: one value per column ([n], [1, n], ...) or per row
 * ([m, 1], ...); other shapes (a full [m, n] bias, batch-varying biases) are left to the stock kernel.
 */
function biasLayout(bias: tf.TensorInfo, m: number, n: number): 'column' | 'row' | 'scalar' | undefined {
  const dimsOf = [...bias.shape];
  while (dimsOf.length > 0 && dimsOf[0] === 1) dimsOf.shift();
  if (dimsOf.length === 1 && dimsOf[0] === n) return 'column';
  if (dimsOf.length === 2 && dimsOf[0] === m && dimsOf[1] === 1) return 'row';
  if (dimsOf.length === 0) return 'scalar';
  return undefined;
}

/**
 * _FusedMatMul (matmul + bias + activation, as tf.fused.matMul runs it) on the native GEMM. Unlike
 * tfjs 4.22's stock wasm kernel it also takes broadcastable biases of rank > 1 (as the cpu kernel
 * does), and adds the bias correctly when both operands are transposed (the stock wasm kernel does not).
 */
export function fusedMatMulKernel(addon: NativeAddon, stock: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { a, b, bias, preluActivationWeights } = params.inputs;
    const { transposeA, transposeB } = matMulAttrs(params.attrs);
    const activationName = params.attrs?.['activation'];
    const activation = typeof activationName === 'string' ? ACTIVATIONS[activationName] : 0;
    const alpha = params.attrs?.['leakyreluAlpha'];
    const isPrelu = activation === ACTIVATIONS['prelu'];
    if (a && b && a.dtype === 'float32' && b.dtype === 'float32' && activation !== undefined && (!bias || bias.dtype === 'float32')) {
      const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
      const layout = plan && bias ? biasLayout(bias, plan.m, plan.n) : 'column';
      // PReLU natively only with one slope per column ([n], [1, n], ...), like a column bias.
      const preluOk = !isPrelu || (plan !== undefined && preluActivationWeights?.dtype === 'float32' && biasLayout(preluActivationWeights, plan.m, plan.n) === 'column' && tf.util.sizeFromShape(preluActivationWeights.shape) === plan.n);
      if (plan && layout && preluOk) {
        const epilogue: Epilogue = {
          ...(bias ? { bias } : {}),
          ...(isPrelu && preluActivationWeights ? { prelu: preluActivationWeights } : {}),
          biasPerRow: layout === 'row',
          biasScalar: layout === 'scalar',
          activation,
          alpha: typeof alpha === 'number' ? alpha : 0.2,
        };
        const out = run(addon, params.backend, a, b, plan, transposeA, transposeB, epilogue);
        if (out) return out;
      }
    }
    return stock(params);
  };
}
