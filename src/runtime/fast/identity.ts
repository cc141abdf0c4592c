import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';

interface RefCounted {
  incRef(dataId: tf.TensorInfo['dataId']): void;
}

function isRefCounted(backend: object): backend is RefCounted {
  return typeof (backend as { incRef?: unknown }).incRef === 'function';
}

/**
 * Identity without a copy: the output shares the input's memory, with one more reference on it, as
 * the stock cpu kernel and wasm's own Reshape do (tfjs never writes a tensor in place). The stock wasm
 * Identity copies; gradients and clones run it over a hundred times per VAE step. The addon is not
 * needed, but the kernel belongs to the native set so that 'stock' stays exactly tfjs's kernels.
 */
export function identityKernel(_addon: NativeAddon, stock: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { x } = params.inputs;
    if (!x || x.dtype === 'string' || x.dtype === 'complex64' || !isRefCounted(params.backend)) return stock(params);
    params.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
