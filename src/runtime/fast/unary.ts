import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { memoryOf } from './memory.js';

/**
 * The transcendental unary kernels, vectorised in native/unary.cc (the stock wasm ones call libm per
 * element: Softplus and Tanh were the largest kernels of a VAE step after the matmuls). Op numbers
 * follow native/unary.h.
 */
export const UNARY_OPS: Readonly<Record<string, number>> = { Exp: 0, Log: 1, Log1p: 2, Tanh: 3, Sigmoid: 4, Softplus: 5 };

/** The native version of the unary kernel `kernelName`, `stock` for non-float32 inputs. */
export function unaryKernel(kernelName: string): (addon: NativeAddon, stock: tf.KernelFunc) => tf.KernelFunc {
  const op = UNARY_OPS[kernelName];
  if (op === undefined) throw new Error(`roulette native: no unary kernel '${kernelName}'`);
  return (addon, stock) => (params) => {
    const { x } = params.inputs;
    const memory = memoryOf(params.backend);
    if (!x || !memory || x.dtype !== 'float32' || x.shape.some((d) => d === 0)) return stock(params);
    const out = memory.output([...x.shape], 'float32', [x], (result, [values]) => {
      addon.unary(op, values as Float32Array, result as Float32Array);
    });
    return out ?? stock(params);
  };
}
