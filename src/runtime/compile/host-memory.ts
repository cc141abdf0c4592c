import * as tf from '@tensorflow/tfjs';
import type { Values } from './capture.js';

/**
 * Host access to a tensor's own storage where the backend keeps it in addressable memory: the wasm heap
 * or the cpu backend's typed arrays. Compiled steps and the fused optimiser update read params and write
 * them in place through these views; other backends (WebGL, WebGPU) get copies instead.
 */

interface HostBackend {
  refCount?(dataId: object): number;
  typedArrayFromHeap?(info: { shape: number[]; dtype: string; dataId: object }): Values;
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

function backendOf(t: tf.Tensor): HostBackend {
  const info = (tf.engine() as unknown as { state: { tensorInfo: Map<object, { backend: HostBackend }> } }).state.tensorInfo.get(t.dataId);
  return info?.backend ?? (tf.backend() as unknown as HostBackend);
}

function matches(values: unknown, dtype: string): values is Values {
  return (dtype === 'float32' && values instanceof Float32Array) || (dtype === 'int32' && values instanceof Int32Array) || (dtype === 'bool' && values instanceof Uint8Array);
}

/** A live view of `t`'s storage (no copy), or undefined where the backend does not keep it on the host. */
export function hostView(t: tf.Tensor): Values | undefined {
  const backend = backendOf(t);
  if (typeof backend.typedArrayFromHeap === 'function') {
    return backend.typedArrayFromHeap({ shape: [...t.shape], dtype: t.dtype, dataId: t.dataId });
  }
  const values = backend.data?.get(t.dataId)?.values;
  return matches(values, t.dtype) && values.length === t.size ? values : undefined;
}

/** The values of `t`: its live view where there is one, else a copy. */
export function hostValues(t: tf.Tensor): Values {
  return hostView(t) ?? (t.dataSync() as Values);
}

/**
 * A view of `v`'s storage that may be written in place: only when no other tensor shares it (a
 * reshape or identity of the variable made earlier would otherwise change under its holder).
 */
export function writableView(v: tf.Variable): Float32Array | undefined {
  if (v.dtype !== 'float32') return undefined;
  const backend = backendOf(v);
  if (typeof backend.refCount !== 'function' || backend.refCount(v.dataId) !== 1) return undefined;
  const view = hostView(v);
  return view instanceof Float32Array ? view : undefined;
}

/** Write `values` into `v`: in place where possible, else by assigning a new tensor. */
export function writeVariable(v: tf.Variable, values: Float32Array): void {
  const view = writableView(v);
  if (view) {
    if (view !== values) view.set(values);
    return;
  }
  const t = tf.tensor(values, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}
