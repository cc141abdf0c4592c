import { broadcastStrides } from '../../fast/binary.js';
import { UNARY_OPS } from '../../fast/unary.js';
import type { Values } from '../capture.js';
import { broadcastIndex, NATIVE_MIN_SIZE, sameShape, sizeOf, Unsupported, type Impl, type KernelSpec } from './types.js';

/** Elementwise kernels: unary maps, broadcasting binary maps, Select and AddN. */

type Unary = (x: number) => number;

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const UNARY: Readonly<Record<string, Unary>> = {
  Abs: Math.abs,
  Ceil: Math.ceil,
  Cos: Math.cos,
  Exp: Math.exp,
  Expm1: Math.expm1,
  Floor: Math.floor,
  IsFinite: (x) => (Number.isFinite(x) ? 1 : 0),
  IsInf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  IsNan: (x) => (Number.isNaN(x) ? 1 : 0),
  Log: Math.log,
  Log1p: Math.log1p,
  LogicalNot: (x) => (x ? 0 : 1),
  Neg: (x) => -x,
  Reciprocal: (x) => 1 / x,
  Relu: (x) => (x < 0 ? 0 : x),
  Rsqrt: (x) => 1 / Math.sqrt(x),
  // Halves to even, as tfjs rounds.
  Round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  Sin: Math.sin,
  Softplus: softplus,
  Sqrt: Math.sqrt,
  Square: (x) => x * x,
  Tanh: Math.tanh,
  Atan: Math.atan,
};

type Binary = (a: number, b: number) => number;

const BINARY: Readonly<Record<string, Binary>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Multiply: (a, b) => a * b,
  RealDiv: (a, b) => a / b,
  Maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  Minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  Pow: Math.pow,
  SquaredDifference: (a, b) => (a - b) * (a - b),
  FloorDiv: (a, b) => Math.floor(a / b),
  Mod: (a, b) => ((a % b) + b) % b,
  Atan2: Math.atan2,
  Equal: (a, b) => (a === b ? 1 : 0),
  NotEqual: (a, b) => (a !== b ? 1 : 0),
  Less: (a, b) => (a < b ? 1 : 0),
  LessEqual: (a, b) => (a <= b ? 1 : 0),
  Greater: (a, b) => (a > b ? 1 : 0),
  GreaterEqual: (a, b) => (a >= b ? 1 : 0),
  LogicalAnd: (a, b) => (a && b ? 1 : 0),
  LogicalOr: (a, b) => (a || b ? 1 : 0),
};

/** The native addon's op numbers for the binary kernels it has (native/binary.h). */
const NATIVE_BINARY: Readonly<Record<string, number>> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3,
  Equal: 10, NotEqual: 11, Less: 12, LessEqual: 13, Greater: 14, GreaterEqual: 15,
  LogicalAnd: 20, LogicalOr: 21,
};

export const ELEMENTWISE_KERNELS = [...Object.keys(UNARY), ...Object.keys(BINARY), 'LeakyRelu', 'Step', 'Elu', 'ClipByValue', 'Select', 'AddN', 'ZerosLike', 'OnesLike', 'Cast'];

function unaryImpl(spec: KernelSpec, f: Unary): Impl {
  const n = sizeOf(spec.outputs[0]!.shape);
  const native = UNARY_OPS[spec.kernel];
  const addon = spec.addon;
  if (addon && native !== undefined && n >= NATIVE_MIN_SIZE && spec.inputs[0]!.dtype === 'float32') {
    return { run: (ins, outs) => addon.unary(native, ins[0] as Float32Array, outs[0] as Float32Array) };
  }
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      const out = outs[0]!;
      for (let i = 0; i < n; i++) out[i] = f(x[i]!);
    },
  };
}

function binaryImpl(spec: KernelSpec, f: Binary): Impl {
  const [a, b] = spec.inputs as [KernelSpec['inputs'][0], KernelSpec['inputs'][0]];
  const outShape = spec.outputs[0]!.shape;
  const n = sizeOf(outShape);
  const native = NATIVE_BINARY[spec.kernel];
  const addon = spec.addon;
  const nativeTypes = a.dtype === b.dtype && (a.dtype === 'float32' || (a.dtype === 'bool' && native !== undefined && native >= 20));
  if (addon && native !== undefined && n >= NATIVE_MIN_SIZE && nativeTypes && !(native >= 20 && a.dtype !== 'bool')) {
    const shape = Int32Array.from(outShape);
    const aStrides = broadcastStrides(a.shape, outShape);
    const bStrides = broadcastStrides(b.shape, outShape);
    return { run: (ins, outs) => addon.binary(native, ins[0]!, ins[1]!, outs[0]!, shape, aStrides, bStrides) };
  }
  const aSame = sameShape(a.shape, outShape);
  const bSame = sameShape(b.shape, outShape);
  if (aSame && bSame) {
    return { run: (ins, outs) => { const x = ins[0]!, y = ins[1]!, out = outs[0]!; for (let i = 0; i < n; i++) out[i] = f(x[i]!, y[i]!); } };
  }
  if (aSame && sizeOf(b.shape) === 1) {
    return { run: (ins, outs) => { const x = ins[0]!, y = ins[1]![0]!, out = outs[0]!; for (let i = 0; i < n; i++) out[i] = f(x[i]!, y); } };
  }
  if (bSame && sizeOf(a.shape) === 1) {
    return { run: (ins, outs) => { const x = ins[0]![0]!, y = ins[1]!, out = outs[0]!; for (let i = 0; i < n; i++) out[i] = f(x, y[i]!); } };
  }
  const ia = broadcastIndex(a.shape, outShape);
  const ib = broadcastIndex(b.shape, outShape);
  return { run: (ins, outs) => { const x = ins[0]!, y = ins[1]!, out = outs[0]!; for (let i = 0; i < n; i++) out[i] = f(x[ia[i]!]!, y[ib[i]!]!); } };
}

function selectImpl(spec: KernelSpec): Impl {
  const [cond, t, e] = spec.inputs as [KernelSpec['inputs'][0], KernelSpec['inputs'][0], KernelSpec['inputs'][0]];
  const outShape = spec.outputs[0]!.shape;
  const n = sizeOf(outShape);
  const addon = spec.addon;
  if (addon && n >= NATIVE_MIN_SIZE && t.dtype === 'float32' && sameShape(cond.shape, outShape) && sameShape(t.shape, outShape) && sameShape(e.shape, outShape)) {
    return { run: (ins, outs) => addon.select(ins[0] as Uint8Array, ins[1] as Float32Array, ins[2] as Float32Array, outs[0] as Float32Array) };
  }
  // tfjs also takes a rank-1 condition that picks whole rows of t and e.
  let ic: Int32Array;
  if (cond.shape.length === 1 && outShape.length > 1 && cond.shape[0] === outShape[0]) {
    const row = n / outShape[0]!;
    ic = Int32Array.from({ length: n }, (_, i) => Math.floor(i / row));
  } else {
    ic = broadcastIndex(cond.shape, outShape);
  }
  const it = broadcastIndex(t.shape, outShape);
  const ie = broadcastIndex(e.shape, outShape);
  return {
    run: (ins, outs) => {
      const c = ins[0]!, x = ins[1]!, y = ins[2]!, out = outs[0]!;
      for (let i = 0; i < n; i++) out[i] = c[ic[i]!] ? x[it[i]!]! : y[ie[i]!]!;
    },
  };
}

function castImpl(spec: KernelSpec): Impl {
  const from = spec.inputs[0]!.dtype;
  const to = spec.outputs[0]!.dtype;
  if (from === to) return { alias: 0 };
  const n = sizeOf(spec.outputs[0]!.shape);
  if (to === 'bool') return { run: (ins, outs) => { const x = ins[0]!, out = outs[0]!; for (let i = 0; i < n; i++) out[i] = x[i] !== 0 ? 1 : 0; } };
  // Int32Array stores truncate toward zero, as tfjs's float -> int cast does.
  return { run: (ins, outs) => { const x = ins[0]!, out = outs[0]!; for (let i = 0; i < n; i++) out[i] = x[i]!; } };
}

function fillImpl(spec: KernelSpec, value: number): Impl {
  const n = sizeOf(spec.outputs[0]!.shape);
  return { run: (_ins, outs) => (outs[0] as Values).fill(value, 0, n) };
}

export function elementwise(spec: KernelSpec): Impl {
  const { kernel, attrs } = spec;
  const unary = UNARY[kernel];
  if (unary) return unaryImpl(spec, unary);
  const binary = BINARY[kernel];
  if (binary) {
    if (spec.inputs.length !== 2) throw new Unsupported(kernel, `${spec.inputs.length} inputs`);
    return binaryImpl(spec, binary);
  }
  switch (kernel) {
    case 'LeakyRelu': {
      const alpha = Number(attrs['alpha'] ?? 0.2);
      return unaryImpl(spec, (x) => (x < 0 ? alpha * x : x));
    }
    case 'Step': {
      const alpha = Number(attrs['alpha'] ?? 0);
      return unaryImpl(spec, (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : alpha));
    }
    case 'Elu':
      return unaryImpl(spec, (x) => (x >= 0 ? x : Math.expm1(x)));
    case 'ClipByValue': {
      const low = Number(attrs['clipValueMin']);
      const high = Number(attrs['clipValueMax']);
      return unaryImpl(spec, (x) => (Number.isNaN(x) ? NaN : Math.min(high, Math.max(low, x))));
    }
    case 'Select':
      return selectImpl(spec);
    case 'AddN': {
      const n = sizeOf(spec.outputs[0]!.shape);
      if (!spec.inputs.every((i) => sizeOf(i.shape) === n)) throw new Unsupported(kernel, 'inputs of different sizes');
      return {
        run: (ins, outs) => {
          const out = outs[0]!;
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (const x of ins) s += x[i]!;
            out[i] = s;
          }
        },
      };
    }
    case 'ZerosLike':
      return fillImpl(spec, 0);
    case 'OnesLike':
      return fillImpl(spec, 1);
    case 'Cast':
      return castImpl(spec);
  }
  throw new Unsupported(kernel);
}
