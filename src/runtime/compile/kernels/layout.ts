import * as tf from '@tensorflow/tfjs';
import { axesOf, broadcastIndex, NATIVE_MIN_SIZE, sizeOf, stridesOf, Unsupported, type Impl, type KernelSpec } from './types.js';

/** Kernels that move elements without arithmetic: views, transposes, tiles, slices, joins, splits, gathers. */

export const LAYOUT_KERNELS = [
  'Reshape', 'ExpandDims', 'Squeeze', 'Identity', 'Transpose', 'Tile', 'BroadcastTo', 'Slice', 'PadV2', 'Reverse',
  'Concat', 'Pack', 'Unpack', 'SplitV', 'GatherV2', 'OneHot', 'Range', 'Fill',
];

/** out[i] = x[index[i]], index fixed when the program is built (-1: the constant `pad`). */
function mapped(index: Int32Array, pad = 0): Impl {
  const n = index.length;
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      const out = outs[0]!;
      for (let i = 0; i < n; i++) {
        const j = index[i]!;
        out[i] = j < 0 ? pad : x[j]!;
      }
    },
  };
}

/** For each output element (row-major over `outShape`), the input index `at(coords)` gives. */
function indexOver(outShape: readonly number[], at: (coords: readonly number[]) => number): Int32Array {
  const n = sizeOf(outShape);
  const index = new Int32Array(n);
  const coords = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < n; i++) {
    index[i] = at(coords);
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++coords[d]! < outShape[d]!) break;
      coords[d] = 0;
    }
  }
  return index;
}

function flatAt(strides: readonly number[], coords: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < coords.length; d++) flat += coords[d]! * strides[d]!;
  return flat;
}

/** Join inputs along `axis` of the output (Concat; Pack with a new axis): block copies. */
function joinImpl(spec: KernelSpec, axis: number, newAxis: boolean): Impl {
  const outShape = spec.outputs[0]!.shape;
  const outer = sizeOf(outShape.slice(0, axis));
  const blocks = spec.inputs.map((i) => sizeOf(i.shape) / outer);
  const row = blocks.reduce((a, b) => a + b, 0);
  if (newAxis && !spec.inputs.every((i) => sizeOf(i.shape) === sizeOf(spec.inputs[0]!.shape))) throw new Unsupported(spec.kernel, 'inputs of different sizes');
  return {
    run: (ins, outs) => {
      const out = outs[0]!;
      let offset = 0;
      for (let j = 0; j < ins.length; j++) {
        const x = ins[j]!;
        const block = blocks[j]!;
        for (let o = 0; o < outer; o++) out.set(x.subarray(o * block, (o + 1) * block), o * row + offset);
        offset += block;
      }
    },
  };
}

/** Split the input along `axis` into the outputs (Unpack drops the axis; SplitV keeps it). */
function splitImpl(spec: KernelSpec, axis: number): Impl {
  const inShape = spec.inputs[0]!.shape;
  const outer = sizeOf(inShape.slice(0, axis));
  const row = sizeOf(inShape) / outer;
  const blocks = spec.outputs.map((o) => sizeOf(o.shape) / outer);
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      let offset = 0;
      for (let j = 0; j < outs.length; j++) {
        const out = outs[j]!;
        const block = blocks[j]!;
        for (let o = 0; o < outer; o++) out.set(x.subarray(o * row + offset, o * row + offset + block), o * block);
        offset += block;
      }
    },
  };
}

function gatherImpl(spec: KernelSpec): Impl {
  const [x, indices] = spec.inputs as [KernelSpec['inputs'][0], KernelSpec['inputs'][0]];
  if (Number(spec.attrs['batchDims'] ?? 0) !== 0) throw new Unsupported('GatherV2', 'batchDims');
  const axis = axesOf(spec.attrs['axis'] ?? 0, x.shape.length)[0]!;
  const outer = sizeOf(x.shape.slice(0, axis));
  const length = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const m = sizeOf(indices.shape);
  return {
    run: (ins, outs) => {
      const values = ins[0]!;
      const idx = ins[1]!;
      const out = outs[0]!;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < m; j++) {
          const k = idx[j]!;
          const to = (o * m + j) * inner;
          if (k < 0 || k >= length) out.fill(NaN, to, to + inner);
          else out.set(values.subarray((o * length + k) * inner, (o * length + k + 1) * inner), to);
        }
      }
    },
  };
}

export function layout(spec: KernelSpec): Impl {
  const { kernel, attrs } = spec;
  const input = spec.inputs[0];
  const out = spec.outputs[0]!;
  const outShape = out.shape;
  switch (kernel) {
    case 'Reshape':
    case 'ExpandDims':
    case 'Squeeze':
    case 'Identity':
      return { alias: 0 };
    case 'Transpose': {
      const perm = attrs['perm'] as number[];
      const strides = stridesOf(input!.shape);
      return mapped(indexOver(outShape, (c) => c.reduce((f, v, d) => f + v * strides[perm[d]!]!, 0)));
    }
    case 'Tile': {
      const reps = attrs['reps'] as number[];
      const addon = spec.addon;
      if (addon && sizeOf(outShape) >= NATIVE_MIN_SIZE) {
        const shape = Int32Array.from(input!.shape);
        const r = Int32Array.from(reps);
        return { run: (ins, outs) => addon.tile(ins[0]!, outs[0]!, shape, r) };
      }
      const strides = stridesOf(input!.shape);
      return mapped(indexOver(outShape, (c) => c.reduce((f, v, d) => f + (v % input!.shape[d]!) * strides[d]!, 0)));
    }
    case 'BroadcastTo':
      return mapped(broadcastIndex(input!.shape, outShape));
    case 'Slice': {
      const [begin] = tf.slice_util.parseSliceParams({ shape: [...input!.shape] } as unknown as tf.Tensor, attrs['begin'] as number[], attrs['size'] as number[]);
      const strides = stridesOf(input!.shape);
      return mapped(indexOver(outShape, (c) => c.reduce((f, v, d) => f + (v + begin[d]!) * strides[d]!, 0)));
    }
    case 'PadV2': {
      const paddings = attrs['paddings'] as [number, number][];
      const strides = stridesOf(input!.shape);
      const index = indexOver(outShape, (c) => {
        const inner = c.map((v, d) => v - paddings[d]![0]);
        return inner.some((v, d) => v < 0 || v >= input!.shape[d]!) ? -1 : flatAt(strides, inner);
      });
      return mapped(index, Number(attrs['constantValue'] ?? 0));
    }
    case 'Reverse': {
      const axes = axesOf(attrs['dims'], input!.shape.length);
      const strides = stridesOf(input!.shape);
      return mapped(indexOver(outShape, (c) => c.reduce((f, v, d) => f + (axes.includes(d) ? outShape[d]! - 1 - v : v) * strides[d]!, 0)));
    }
    case 'Concat':
      return joinImpl(spec, axesOf(attrs['axis'] ?? 0, outShape.length)[0]!, false);
    case 'Pack':
      return joinImpl(spec, axesOf(attrs['axis'] ?? 0, outShape.length)[0]!, true);
    case 'Unpack':
    case 'SplitV':
      return splitImpl(spec, axesOf(attrs['axis'] ?? 0, input!.shape.length)[0]!);
    case 'GatherV2':
      return gatherImpl(spec);
    case 'OneHot': {
      const depth = Number(attrs['depth']);
      const on = Number(attrs['onValue'] ?? 1);
      const off = Number(attrs['offValue'] ?? 0);
      const n = sizeOf(input!.shape);
      return {
        run: (ins, outs) => {
          const idx = ins[0]!;
          const o = outs[0]!;
          o.fill(off, 0, n * depth);
          for (let i = 0; i < n; i++) {
            const k = idx[i]!;
            if (k >= 0 && k < depth) o[i * depth + k] = on;
          }
        },
      };
    }
    case 'Range': {
      const start = Number(attrs['start']);
      const step = Number(attrs['step'] ?? 1);
      const n = sizeOf(outShape);
      return { run: (_ins, outs) => { const o = outs[0]!; for (let i = 0; i < n; i++) o[i] = start + i * step; } };
    }
    case 'Fill': {
      const value = Number(attrs['value']);
      const n = sizeOf(outShape);
      return { run: (_ins, outs) => outs[0]!.fill(value, 0, n) };
    }
  }
  throw new Unsupported(kernel);
}
