import type { NativeAddon } from '../../fast/addon.js';
import type { Dtype, Values } from '../capture.js';

/** A kernel's operand as the program sees it: shapes and dtypes are fixed when the program is built. */
export interface Operand {
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

export interface KernelSpec {
  readonly kernel: string;
  readonly inputs: readonly Operand[];
  readonly outputs: readonly Operand[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The native addon, when loaded: large operands go to its vectorised loops. */
  readonly addon: NativeAddon | undefined;
}

/** Reads `ins`, writes `outs` (one array per output, fully). */
export type Run = (ins: readonly Values[], outs: readonly Values[]) => void;

/** A kernel that moves no data (reshape, identity, same-dtype cast) shares its input's array. */
export type Impl = { readonly alias: number } | { readonly run: Run };

export type KernelBuilder = (spec: KernelSpec) => Impl;

/** A kernel, or a form of one, that compiled programs do not implement: the step stays eager. */
export class Unsupported extends Error {
  constructor(readonly kernel: string, detail = '') {
    super(`kernel ${kernel}${detail ? ` (${detail})` : ''} has no compiled form`);
  }
}

/** Operands at least this large go to the native addon, when it is loaded. */
export const NATIVE_MIN_SIZE = 2048;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major element strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/**
 * For each element of `outShape` (row-major), the flat index of the element of `shape` that broadcasts
 * onto it (numpy rules: right-aligned, size-1 dims repeat).
 */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const offset = outShape.length - shape.length;
  const inStrides = stridesOf(shape);
  return stridedIndex(outShape, outShape.map((_, d) => (d < offset || shape[d - offset] === 1 ? 0 : inStrides[d - offset]!)));
}

/** For each element of `shape` (row-major), the flat index sum_d i_d * strides[d]. */
export function stridedIndex(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const index = new Int32Array(n);
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    index[i] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      flat += strides[d]!;
      if (counter[d]! < shape[d]!) break;
      flat -= strides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return index;
}

/** An axis attribute (number, list or null = all) as sorted non-negative axes. */
export function axesOf(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((x, y) => x - y);
}
