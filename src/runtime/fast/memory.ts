import type * as tf from '@tensorflow/tfjs';
import type { ElementArray } from './addon.js';

/**
 * Direct access to tensor memory for the backends whose data the addon can read in place: the wasm
 * backend (tensors live in the wasm heap) and the cpu backend (tensors are JS typed arrays). Only the
 * few members used here are declared, and checked at run time, so no backend package is imported.
 */
export interface TensorMemory {
  /**
   * Allocates an output of `shape`, lets `fill` write it from the arrays of `inputs` (same order), and
   * returns it; or returns undefined, allocating nothing, when some input's memory cannot be read in
   * place (then the caller runs the stock kernel). On wasm, allocating can grow (and so move) the heap,
   * so the inputs are viewed only after the output exists.
   */
  output(
    shape: number[],
    dtype: tf.DataType,
    inputs: readonly tf.TensorInfo[],
    fill: (out: ElementArray, inputs: ElementArray[]) => void,
  ): tf.TensorInfo | undefined;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ElementArray;
  disposeData(dataId: tf.TensorInfo['dataId'], force?: boolean): boolean;
}

interface CpuLike {
  data: { get(dataId: tf.TensorInfo['dataId']): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: ElementArray): tf.TensorInfo;
}

function hasMethods(backend: object, names: readonly string[]): boolean {
  const record = backend as Record<string, unknown>;
  return names.every((n) => typeof record[n] === 'function');
}

function isWasm(backend: object): backend is WasmLike {
  return hasMethods(backend, ['makeOutput', 'typedArrayFromHeap', 'disposeData']);
}

function isCpu(backend: object): backend is CpuLike {
  const data = (backend as { data?: unknown }).data;
  return hasMethods(backend, ['makeTensorInfo']) && typeof data === 'object' && data !== null && hasMethods(data, ['get']);
}

const PLAIN: readonly tf.DataType[] = ['float32', 'int32', 'bool'];

/** The array type each dtype must be stored in for the addon to read it as that dtype. */
function matchesDtype(values: unknown, dtype: tf.DataType): values is ElementArray {
  switch (dtype) {
    case 'float32':
      return values instanceof Float32Array;
    case 'int32':
      return values instanceof Int32Array;
    case 'bool':
      return values instanceof Uint8Array;
    default:
      return false;
  }
}

function newArray(dtype: tf.DataType, size: number): ElementArray {
  return dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// wasm keeps every float32/int32/bool tensor in its heap as that type.
const wasmMemory = (backend: WasmLike): TensorMemory => ({
  output(shape, dtype, inputs, fill) {
    if (!PLAIN.includes(dtype) || !inputs.every((info) => PLAIN.includes(info.dtype))) return undefined;
    const out = backend.makeOutput(shape, dtype);
    try {
      fill(
        backend.typedArrayFromHeap(out),
        inputs.map((info) => backend.typedArrayFromHeap(info)),
      );
    } catch (error) {
      backend.disposeData(out.dataId, true);
      throw error;
    }
    return out;
  },
});

// cpu may keep a tensor in an array of another type than its dtype (a bool cast to float32 keeps its
// Uint8Array), so each input is checked before anything is allocated.
const cpuMemory = (backend: CpuLike): TensorMemory => ({
  output(shape, dtype, inputs, fill) {
    if (!PLAIN.includes(dtype)) return undefined;
    const views: ElementArray[] = [];
    for (const info of inputs) {
      const values = backend.data.get(info.dataId)?.values;
      if (!matchesDtype(values, info.dtype)) return undefined;
      views.push(values);
    }
    const out = newArray(dtype, sizeOf(shape));
    fill(out, views);
    return backend.makeTensorInfo(shape, dtype, out);
  },
});

const cache = new WeakMap<object, TensorMemory | null>();

/** Memory access for `backend`, or undefined for backends whose data is not in addressable memory. */
export function memoryOf(backend: object): TensorMemory | undefined {
  let memory = cache.get(backend);
  if (memory === undefined) {
    memory = isWasm(backend) ? wasmMemory(backend) : isCpu(backend) ? cpuMemory(backend) : null;
    cache.set(backend, memory);
  }
  return memory ?? undefined;
}
