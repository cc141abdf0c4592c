import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { memoryOf } from './memory.js';

/**
 * Tile as block copies. tf.broadcastTo (and so every broadcast a distribution's log-density makes
 * explicit) runs Tile; the stock wasm kernel computes an index per element and took a quarter of a VAE
 * step. Strings and complex tensors go to the stock kernel.
 */
export function tileKernel(addon: NativeAddon, stock: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { x } = params.inputs;
    const reps = params.attrs?.['reps'];
    const memory = memoryOf(params.backend);
    if (!x || !memory || !Array.isArray(reps) || reps.length !== x.shape.length || !reps.every((r) => typeof r === 'number' && Number.isInteger(r) && r >= 0)) {
      return stock(params);
    }
    if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return stock(params);
    const repsOf = reps as number[];
    const outShape = x.shape.map((d, i) => d * repsOf[i]!);
    if (outShape.some((d) => d === 0)) return stock(params);
    const out = memory.output(outShape, x.dtype, [x], (result, [values]) => {
      addon.tile(values!, result, Int32Array.from(x.shape), Int32Array.from(repsOf));
    });
    return out ?? stock(params);
  };
}
