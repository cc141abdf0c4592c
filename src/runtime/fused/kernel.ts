import * as tf from '@tensorflow/tfjs';
import { broadcastIndex, sizeOf } from '../compile/kernels/types.js';
import { sameShape } from '../shapes.js';

/**
 * Fused kernels: a formula that tfjs would run as a chain of small kernels (and tape, clone and
 * differentiate op by op) written once as a loop over float32 arrays, and registered as one tfjs kernel
 * on the backends whose memory we can address (wasm, cpu), with its gradient as one more kernel. The same
 * prepared loop is the kernel's compiled form (src/runtime/compile/kernels), so a captured step replays it.
 * Other backends (WebGL, tfjs-node), and operands with long rows, keep the composite tfjs ops: callers
 * ask `fused(name, rowElements(operands))` first.
 */
export interface FusedKernel {
  readonly name: string;
  /** Output shapes from the input shapes (in the order the caller passes the named inputs) and attrs. */
  outputShapes(inputs: readonly (readonly number[])[], attrs: Readonly<Record<string, unknown>>): number[][];
  /**
   * The loop for these shapes and attrs (index maps and the like built once): it reads `ins` and writes
   * every element of `outs`. A compiled program prepares once; eager calls reuse a cache by shapes.
   */
  prepare(inShapes: readonly (readonly number[])[], outShapes: readonly (readonly number[])[], attrs: Readonly<Record<string, unknown>>): FusedRun;
}

export type FusedRun = (ins: readonly ArrayLike<number>[], outs: readonly Float32Array[]) => void;

/** Prepared loops of eager calls, by kernel, shapes and attrs (bounded: shapes rarely vary much). */
const prepared = new Map<string, FusedRun>();
const PREPARED_MAX = 256;

function preparedRun(kernel: FusedKernel, inShapes: readonly (readonly number[])[], outShapes: number[][], attrs: Readonly<Record<string, unknown>>): FusedRun {
  const key = `${kernel.name}|${JSON.stringify(inShapes)}|${JSON.stringify(attrs)}`;
  let run = prepared.get(key);
  if (!run) {
    if (prepared.size >= PREPARED_MAX) prepared.clear();
    run = kernel.prepare(inShapes, outShapes, attrs);
    prepared.set(key, run);
  }
  return run;
}

/** The backends fused kernels are registered on. */
const FUSED_BACKENDS = ['wasm', 'cpu'] as const;

const kernels = new Map<string, FusedKernel>();
let enabled = true;

/** Tests: run the composite tfjs ops instead of the fused kernels (both paths must agree). */
export function useFusedKernels(on: boolean): void {
  enabled = on;
}

/**
 * Operands up to this many elements per row of their leading dim, in all, go to the fused kernels. They
 * save dispatch, which is the whole cost of small tensors; their scalar JS loops lose to the native
 * vectorised kernels on large rows (a VAE's 5 x 100 x 784 likelihood sum took 0.9 ms fused). Rows, not
 * sizes: the leading dim holds the particles, and the choice (so the last bit of a result) must not
 * depend on how many particles a chunk holds.
 */
export const FUSED_MAX_ROW_ELEMENTS = 1024;

/** Elements per row of the leading dim, summed over `tensors` (a scalar counts 1). */
export function rowElements(tensors: readonly tf.Tensor[]): number {
  return tensors.reduce((n, t) => n + (t.rank > 0 && t.shape[0]! > 0 ? t.size / t.shape[0]! : t.size), 0);
}

/**
 * Whether fused kernel `name` runs on the active backend for operands of `elements` row elements in
 * all (`rowElements`); else the caller builds the composite ops.
 */
export function fused(name: string, elements = 0): boolean {
  return enabled && elements <= FUSED_MAX_ROW_ELEMENTS && tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** The fused kernels by name (the compiler builds their compiled forms from these). */
export function fusedKernel(name: string): FusedKernel | undefined {
  return kernels.get(name);
}

/** For element i of `outShape`, the flat index into an operand of `shape` (null: the same shape). */
export function indexMap(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  return sameShape(shape, outShape) ? null : broadcastIndex(shape, outShape);
}

/** The numpy broadcast of `shapes` (right-aligned, size-1 dims repeat). */
export function broadcastAll(shapes: readonly (readonly number[])[]): number[] {
  return shapes.reduce<number[]>((acc, s) => tf.broadcast_util.assertAndGetBroadcastShape(acc, s as number[]), []);
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
}
interface CpuLike {
  data: { get(dataId: tf.TensorInfo['dataId']): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** Allocate every output first (on wasm that may move the heap), then view the inputs and run. */
function runOn(backend: object, kernel: FusedKernel, infos: tf.TensorInfo[], attrs: Record<string, unknown>): tf.TensorInfo[] {
  const inShapes = infos.map((t) => t.shape);
  const outShapes = kernel.outputShapes(inShapes, attrs);
  if (typeof (backend as Partial<WasmLike>).typedArrayFromHeap === 'function') {
    const wasm = backend as WasmLike;
    const run = preparedRun(kernel, inShapes, outShapes, attrs);
    const outs = outShapes.map((s) => wasm.makeOutput(s, 'float32'));
    run(infos.map((t) => wasm.typedArrayFromHeap(t)), outs.map((o) => wasm.typedArrayFromHeap(o) as Float32Array));
    return outs;
  }
  const cpu = backend as CpuLike;
  const ins = infos.map((t) => {
    const values = cpu.data.get(t.dataId)?.values;
    // cpu may keep a float32 tensor in another array type (a cast bool keeps its Uint8Array).
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  });
  const outs = outShapes.map((s) => new Float32Array(sizeOf(s)));
  preparedRun(kernel, inShapes, outShapes, attrs)(ins, outs);
  return outs.map((o, i) => cpu.makeTensorInfo(outShapes[i]!, 'float32', o));
}

/** Register `kernel` on the fused backends (its inputs are taken in the order the caller names them). */
export function defineFusedKernel(kernel: FusedKernel): void {
  kernels.set(kernel.name, kernel);
  for (const backendName of FUSED_BACKENDS) {
    if (tf.getKernel(kernel.name, backendName)) continue;
    tf.registerKernel({
      kernelName: kernel.name,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const outs = runOn(backend, kernel, Object.values(inputs) as tf.TensorInfo[], (attrs ?? {}) as Record<string, unknown>);
        return outs.length === 1 ? outs[0]! : outs;
      },
    });
  }
}

/** Run fused kernel `name` on named float32 inputs (in the kernel's order). */
export function runFused(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
