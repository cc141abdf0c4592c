import { axesOf, NATIVE_MIN_SIZE, sizeOf, stridesOf, Unsupported, type Impl, type KernelSpec } from './types.js';

/** Reductions over axes (Sum, Mean, Max, Min, Prod, All, Any, ArgMax, ArgMin) and Cumsum. */

export const REDUCE_KERNELS = ['Sum', 'Mean', 'Max', 'Min', 'Prod', 'All', 'Any', 'ArgMax', 'ArgMin', 'Cumsum'];

/**
 * The input's elements grouped by output element: `contiguous` when the reduced axes are one run
 * (x viewed as [outer, reduce, inner]), otherwise an explicit order (output-major) of input indices.
 */
type Layout =
  | { readonly kind: 'contiguous'; readonly outer: number; readonly reduce: number; readonly inner: number }
  | { readonly kind: 'indexed'; readonly outputs: number; readonly reduce: number; readonly order: Int32Array };

function layoutOf(shape: readonly number[], axes: readonly number[]): Layout {
  const rank = shape.length;
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
  const reduce = axes.reduce((n, a) => n * shape[a]!, 1);
  if (contiguous) {
    const lo = axes[0] ?? rank;
    const hi = axes[axes.length - 1] ?? rank - 1;
    return { kind: 'contiguous', outer: sizeOf(shape.slice(0, lo)), reduce, inner: sizeOf(shape.slice(hi + 1)) };
  }
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const strides = stridesOf(shape);
  const outputs = kept.reduce((n, d) => n * shape[d]!, 1);
  const order = new Int32Array(outputs * reduce);
  const walk = (dims: readonly number[], count: number, emit: (flat: number) => void): void => {
    const counter = new Array<number>(dims.length).fill(0);
    for (let i = 0; i < count; i++) {
      let flat = 0;
      for (let j = 0; j < dims.length; j++) flat += counter[j]! * strides[dims[j]!]!;
      emit(flat);
      for (let j = dims.length - 1; j >= 0; j--) {
        if (++counter[j]! < shape[dims[j]!]!) break;
        counter[j] = 0;
      }
    }
  };
  let o = 0;
  walk(kept, outputs, (base) => {
    let r = 0;
    walk(axes, reduce, (offset) => {
      order[o * reduce + r++] = base + offset;
    });
    o++;
  });
  return { kind: 'indexed', outputs, reduce, order };
}

type Fold = { readonly init: number; readonly step: (acc: number, x: number) => number; readonly finish?: (acc: number, count: number) => number };

const FOLDS: Readonly<Record<string, Fold>> = {
  Sum: { init: 0, step: (a, x) => a + x },
  Mean: { init: 0, step: (a, x) => a + x, finish: (a, n) => a / n },
  Prod: { init: 1, step: (a, x) => a * x },
  Max: { init: -Infinity, step: (a, x) => (x > a || Number.isNaN(x) ? x : a) },
  Min: { init: Infinity, step: (a, x) => (x < a || Number.isNaN(x) ? x : a) },
  All: { init: 1, step: (a, x) => (a && x ? 1 : 0) },
  Any: { init: 0, step: (a, x) => (a || x ? 1 : 0) },
};

function foldImpl(spec: KernelSpec, fold: Fold, layout: Layout): Impl {
  const finish = fold.finish;
  if (layout.kind === 'contiguous') {
    const { outer, reduce, inner } = layout;
    const addon = spec.addon;
    if (spec.kernel === 'Sum' && addon && spec.inputs[0]!.dtype === 'float32' && outer * reduce * inner >= NATIVE_MIN_SIZE) {
      return { run: (ins, outs) => addon.sum(ins[0] as Float32Array, outs[0] as Float32Array, outer, reduce, inner) };
    }
    return {
      run: (ins, outs) => {
        const x = ins[0]!;
        const out = outs[0]!;
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            let acc = fold.init;
            const base = o * reduce * inner + i;
            for (let r = 0; r < reduce; r++) acc = fold.step(acc, x[base + r * inner]!);
            out[o * inner + i] = finish ? finish(acc, reduce) : acc;
          }
        }
      },
    };
  }
  const { outputs, reduce, order } = layout;
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      const out = outs[0]!;
      for (let o = 0; o < outputs; o++) {
        let acc = fold.init;
        for (let r = 0; r < reduce; r++) acc = fold.step(acc, x[order[o * reduce + r]!]!);
        out[o] = finish ? finish(acc, reduce) : acc;
      }
    },
  };
}

function argImpl(layout: Extract<Layout, { kind: 'contiguous' }>, better: (x: number, best: number) => boolean): Impl {
  const { outer, reduce, inner } = layout;
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      const out = outs[0]!;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * reduce * inner + i;
          let best = x[base]!;
          let at = 0;
          for (let r = 1; r < reduce; r++) {
            const v = x[base + r * inner]!;
            if (better(v, best)) {
              best = v;
              at = r;
            }
          }
          out[o * inner + i] = at;
        }
      }
    },
  };
}

function cumsumImpl(spec: KernelSpec): Impl {
  const shape = spec.inputs[0]!.shape;
  const axis = axesOf(spec.attrs['axis'], shape.length)[0]!;
  const exclusive = spec.attrs['exclusive'] === true;
  const reverse = spec.attrs['reverse'] === true;
  const outer = sizeOf(shape.slice(0, axis));
  const length = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      const out = outs[0]!;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let acc = 0;
          for (let s = 0; s < length; s++) {
            const r = reverse ? length - 1 - s : s;
            const at = (o * length + r) * inner + i;
            const v = x[at]!;
            if (exclusive) {
              out[at] = acc;
              acc += v;
            } else {
              acc += v;
              out[at] = acc;
            }
          }
        }
      }
    },
  };
}

export function reduction(spec: KernelSpec): Impl {
  const shape = spec.inputs[0]!.shape;
  const rank = shape.length;
  if (spec.kernel === 'Cumsum') return cumsumImpl(spec);
  if (spec.kernel === 'ArgMax' || spec.kernel === 'ArgMin') {
    const axes = axesOf(spec.attrs['axis'] ?? 0, rank);
    const layout = layoutOf(shape, axes);
    if (layout.kind !== 'contiguous' || axes.length !== 1) throw new Unsupported(spec.kernel, 'several axes');
    return argImpl(layout, spec.kernel === 'ArgMax' ? (v, b) => v > b : (v, b) => v < b);
  }
  const fold = FOLDS[spec.kernel];
  if (!fold) throw new Unsupported(spec.kernel);
  const axisAttr = spec.kernel === 'Max' || spec.kernel === 'Min' ? (spec.attrs['reductionIndices'] ?? spec.attrs['axis']) : spec.attrs['axis'];
  return foldImpl(spec, fold, layoutOf(shape, axesOf(axisAttr, rank)));
}
