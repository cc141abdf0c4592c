import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { memoryOf } from './memory.js';

/** Kernels on the native broadcasting loop, their op numbers (native/binary.h) and dtypes. */
const BINARY_OPS: Readonly<Record<string, { readonly op: number; readonly input: 'float32' | 'bool'; readonly output: 'float32' | 'bool' }>> = {
  Add: { op: 0, input: 'float32', output: 'float32' },
  Sub: { op: 1, input: 'float32', output: 'float32' },
  Multiply: { op: 2, input: 'float32', output: 'float32' },
  RealDiv: { op: 3, input: 'float32', output: 'float32' },
  Equal: { op: 10, input: 'float32', output: 'bool' },
  NotEqual: { op: 11, input: 'float32', output: 'bool' },
  Less: { op: 12, input: 'float32', output: 'bool' },
  LessEqual: { op: 13, input: 'float32', output: 'bool' },
  Greater: { op: 14, input: 'float32', output: 'bool' },
  GreaterEqual: { op: 15, input: 'float32', output: 'bool' },
  LogicalAnd: { op: 20, input: 'bool', output: 'bool' },
  LogicalOr: { op: 21, input: 'bool', output: 'bool' },
};

export const BINARY_KERNEL_NAMES: readonly string[] = Object.keys(BINARY_OPS);

/** Element strides of an operand of `shape` read over the broadcast `outShape` (0 along broadcast dims). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const strides = new Int32Array(outShape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const o = outShape.length - shape.length + d;
    strides[o] = shape[d] === 1 ? 0 : stride;
    stride *= shape[d]!;
  }
  return strides;
}

/** The native version of binary kernel `kernelName`; other dtypes, and empty tensors, go to `stock`. */
export function binaryKernel(kernelName: string): (addon: NativeAddon, stock: tf.KernelFunc) => tf.KernelFunc {
  const spec = BINARY_OPS[kernelName];
  if (!spec) throw new Error(`roulette native: no binary kernel '${kernelName}'`);
  return (addon, stock) => (params) => {
    const { a, b } = params.inputs;
    const memory = memoryOf(params.backend);
    if (!a || !b || !memory || a.dtype !== spec.input || b.dtype !== spec.input) return stock(params);
    let outShape: number[];
    try {
      outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return stock(params); // tfjs words the shape error
    }
    if (outShape.some((d) => d === 0)) return stock(params);
    const out = memory.output(outShape, spec.output, [a, b], (result, [av, bv]) => {
      addon.binary(spec.op, av!, bv!, result, Int32Array.from(outShape), broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape));
    });
    return out ?? stock(params);
  };
}

/** Select (tf.where) with condition, a and b of one shape and float32 values; the rest to `stock`. */
export function selectKernel(addon: NativeAddon, stock: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { condition, t, e } = params.inputs;
    const memory = memoryOf(params.backend);
    const same = (x: tf.TensorInfo, y: tf.TensorInfo): boolean => x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i]);
    if (!condition || !t || !e || !memory || condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32') return stock(params);
    if (!same(condition, t) || !same(t, e) || t.shape.some((d) => d === 0)) return stock(params);
    const out = memory.output([...t.shape], 'float32', [condition, t, e], (result, [c, tv, ev]) => {
      addon.select(c as Uint8Array, tv as Float32Array, ev as Float32Array, result as Float32Array);
    });
    return out ?? stock(params);
  };
}
