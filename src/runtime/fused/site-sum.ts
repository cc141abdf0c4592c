import * as tf from '@tensorflow/tfjs';
import { sizeOf, stridedIndex, stridesOf } from '../compile/kernels/types.js';
import { broadcastAll, defineFusedKernel, indexMap, runFused } from './kernel.js';

/**
 * sum_i c_i * (sum over axes_i of t_i), the parts broadcast against each other, as one fused kernel
 * (see kernel.ts) with inputs t0, t1, ...; its gradient, d/dt_i = c_i * dy reduced to part i's shape and
 * spread over t_i, is one kernel with an output per term.
 */
export const SITE_SUM_KERNEL = 'RouletteSiteSum';

type Attrs = Readonly<Record<string, unknown>>;
const axesOf = (attrs: Attrs): number[][] => attrs['axes'] as number[][];
const coefficientsOf = (attrs: Attrs): number[] => attrs['coefficients'] as number[];

/** A term's shape with its summed axes dropped. */
function partShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, d) => !axes.includes(d));
}

/**
 * How an element of a term of `shape` finds its part (the element with the summed axes dropped): none
 * to sum (null); summed trailing axes, so parts are contiguous blocks of `inner` elements; or a flat
 * index per element.
 */
type ToPart = null | { readonly inner: number } | Int32Array;

function toPart(shape: readonly number[], axes: readonly number[]): ToPart {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.every((a, k) => a === shape.length - sorted.length + k)) return { inner: sizeOf(shape.slice(shape.length - sorted.length)) };
  const part = partShape(shape, axes);
  const partStrides = stridesOf(part);
  // The stride of each dim of `shape` in the part (0 for a summed axis).
  const strides: number[] = [];
  let k = 0;
  for (let d = 0; d < shape.length; d++) strides.push(axes.includes(d) ? 0 : partStrides[k++]!);
  return stridedIndex(shape, strides);
}

/** part = the term summed over its axes. */
function sumToPart(t: ArrayLike<number>, how: Exclude<ToPart, null>, part: Float64Array): void {
  part.fill(0);
  if (how instanceof Int32Array) {
    for (let e = 0; e < t.length; e++) part[how[e]!]! += t[e]!;
    return;
  }
  const inner = how.inner;
  for (let p = 0, e = 0; p < part.length; p++) {
    let sum = 0;
    for (const end = e + inner; e < end; e++) sum += t[e]!;
    part[p] = sum;
  }
}

/** g = c * part spread back over the term's elements. */
function spreadPart(part: ArrayLike<number>, how: ToPart, c: number, g: Float32Array): void {
  if (how === null) {
    for (let e = 0; e < g.length; e++) g[e] = c * part[e]!;
  } else if (how instanceof Int32Array) {
    for (let e = 0; e < g.length; e++) g[e] = c * part[how[e]!]!;
  } else {
    const inner = how.inner;
    for (let p = 0, e = 0; e < g.length; p++) {
      const v = c * part[p]!;
      for (const end = e + inner; e < end; e++) g[e] = v;
    }
  }
}

function partShapes(shapes: readonly (readonly number[])[], attrs: Attrs): number[][] {
  const axes = axesOf(attrs);
  return shapes.map((s, i) => partShape(s, axes[i]!));
}

defineFusedKernel({
  name: SITE_SUM_KERNEL,
  outputShapes: (shapes, attrs) => [broadcastAll(partShapes(shapes, attrs))],
  prepare(inShapes, outShapes, attrs) {
    const shape = outShapes[0]!;
    const coefficients = coefficientsOf(attrs);
    const terms = partShapes(inShapes, attrs).map((part, i) => {
      const how = toPart(inShapes[i]!, axesOf(attrs)[i]!);
      return { how, buffer: how ? new Float64Array(sizeOf(part)) : undefined, map: indexMap(part, shape), c: coefficients[i]! };
    });
    return (ins, outs) => {
      const out = outs[0]!;
      out.fill(0);
      terms.forEach(({ how, buffer, map, c }, i) => {
        let part: ArrayLike<number> = ins[i]!;
        if (how && buffer) {
          sumToPart(part, how, buffer);
          part = buffer;
        }
        for (let j = 0; j < out.length; j++) out[j]! += c * part[map ? map[j]! : j]!;
      });
    };
  },
});

// Input dy; attrs as the forward's plus the terms' shapes; an output per term, in its shape.
defineFusedKernel({
  name: `${SITE_SUM_KERNEL}Grad`,
  outputShapes: (_shapes, attrs) => (attrs['shapes'] as number[][]).map((s) => [...s]),
  prepare(inShapes, outShapes, attrs) {
    const shape = inShapes[0]!;
    const coefficients = coefficientsOf(attrs);
    const terms = outShapes.map((termShape, i) => {
      const part = partShape(termShape, axesOf(attrs)[i]!);
      const map = indexMap(part, shape);
      return { how: toPart(termShape, axesOf(attrs)[i]!), map, buffer: map ? new Float64Array(sizeOf(part)) : undefined, c: coefficients[i]! };
    });
    return (ins, outs) => {
      const dy = ins[0]!;
      terms.forEach(({ how, map, buffer, c }, i) => {
        // d/dpart = dy summed over the axes the part was broadcast along.
        let dPart: ArrayLike<number> = dy;
        if (map && buffer) {
          buffer.fill(0);
          for (let j = 0; j < dy.length; j++) buffer[map[j]!]! += dy[j]!;
          dPart = buffer;
        }
        spreadPart(dPart, how, c, outs[i]!);
      });
    };
  },
});

tf.registerGradient({
  kernelName: SITE_SUM_KERNEL,
  inputsToSave: [],
  gradFunc: (dy, _saved, attrs) => {
    const grads = runFused(`${SITE_SUM_KERNEL}Grad`, { dy: dy as tf.Tensor }, attrs as Record<string, unknown>);
    return Object.fromEntries(grads.map((g, i) => [`t${i}`, () => g]));
  },
});

/** The site sum of `tensors` (float32) as one kernel. */
export function fusedSiteSum(tensors: readonly tf.Tensor[], axes: readonly (readonly number[])[], coefficients: readonly number[]): tf.Tensor {
  const inputs = Object.fromEntries(tensors.map((t, i) => [`t${i}`, t]));
  return runFused(SITE_SUM_KERNEL, inputs, { axes: axes.map((a) => [...a]), coefficients: [...coefficients], shapes: tensors.map((t) => [...t.shape]) })[0]!;
}
