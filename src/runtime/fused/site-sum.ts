import * as tf from '@tensorflow/tfjs';
import { sizeOf, stridesOf } from '../compile/kernels/types.js';
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

/** For each element of `shape`, the flat index of its part (the element with the summed axes dropped). */
function partIndex(shape: readonly number[], axes: readonly number[]): Int32Array | null {
  if (axes.length === 0) return null;
  const part = partShape(shape, axes);
  const partStrides = stridesOf(part);
  // The stride of each dim of `shape` in the part (0 for a summed axis).
  const strides: number[] = [];
  let k = 0;
  for (let d = 0; d < shape.length; d++) strides.push(axes.includes(d) ? 0 : partStrides[k++]!);
  const n = sizeOf(shape);
  const index = new Int32Array(n);
  const counter = new Array<number>(shape.length).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    index[i] = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      counter[d]!++;
      flat += strides[d]!;
      if (counter[d]! < shape[d]!) break;
      flat -= strides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return index;
}

function partShapes(shapes: readonly (readonly number[])[], attrs: Attrs): number[][] {
  const axes = axesOf(attrs);
  return shapes.map((s, i) => partShape(s, axes[i]!));
}

defineFusedKernel({
  name: SITE_SUM_KERNEL,
  outputShapes: (shapes, attrs) => [broadcastAll(partShapes(shapes, attrs))],
  run(ins, outs, inShapes, outShapes, attrs) {
    const out = outs[0]!;
    const shape = outShapes[0]!;
    const axes = axesOf(attrs);
    const coefficients = coefficientsOf(attrs);
    out.fill(0);
    ins.forEach((t, i) => {
      const parts = partShapes([inShapes[i]!], { axes: [axes[i]!] })[0]!;
      const part = new Float64Array(sizeOf(parts));
      const toPart = partIndex(inShapes[i]!, axes[i]!);
      for (let e = 0; e < t.length; e++) part[toPart ? toPart[e]! : e]! += t[e]!;
      const map = indexMap(parts, shape);
      const c = coefficients[i]!;
      for (let j = 0; j < out.length; j++) out[j]! += c * part[map ? map[j]! : j]!;
    });
  },
});

// Input dy; attrs as the forward's plus the terms' shapes; an output per term, in its shape.
defineFusedKernel({
  name: `${SITE_SUM_KERNEL}Grad`,
  outputShapes: (_shapes, attrs) => (attrs['shapes'] as number[][]).map((s) => [...s]),
  run(ins, outs, inShapes, outShapes, attrs) {
    const dy = ins[0]!;
    const shape = inShapes[0]!;
    const axes = axesOf(attrs);
    const coefficients = coefficientsOf(attrs);
    outs.forEach((g, i) => {
      const parts = partShape(outShapes[i]!, axes[i]!);
      const part = new Float64Array(sizeOf(parts));
      const map = indexMap(parts, shape);
      for (let j = 0; j < dy.length; j++) part[map ? map[j]! : j]! += dy[j]!;
      const c = coefficients[i]!;
      const toPart = partIndex(outShapes[i]!, axes[i]!);
      for (let e = 0; e < g.length; e++) g[e] = c * part[toPart ? toPart[e]! : e]!;
    });
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
