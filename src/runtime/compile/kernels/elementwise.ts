import { broadcastStrides } from '../../fast/binary.js';
import { UNARY_OPS } from '../../fast/unary.js';
import type { Values } from '../capture.js';
import { sameShape } from '../../shapes.js';
import { broadcastIndex, NATIVE_MIN_SIZE, sizeOf, Unsupported, type Impl, type KernelSpec } from './types.js';

/** Elementwise kernels: unary maps, broadcasting binary maps, Select and AddN. */

/**
 * Each op as a JS expression in `a` (and `b`). Loops are generated per op from these (see `loops`), so
 * every op gets a loop of its own that V8 can optimise for that one expression; a loop shared by many
 * ops through a callback runs 10-20x slower on large arrays.
 */
const UNARY_EXPR: Readonly<Record<string, string>> = {
  Abs: 'Math.abs(a)',
  Ceil: 'Math.ceil(a)',
  Cos: 'Math.cos(a)',
  Exp: 'Math.exp(a)',
  Expm1: 'Math.expm1(a)',
  Floor: 'Math.floor(a)',
  IsFinite: 'Number.isFinite(a) ? 1 : 0',
  IsInf: 'a === Infinity || a === -Infinity ? 1 : 0',
  IsNan: 'a !== a ? 1 : 0',
  Log: 'Math.log(a)',
  Log1p: 'Math.log1p(a)',
  LogicalNot: 'a ? 0 : 1',
  Neg: '-a',
  Reciprocal: '1 / a',
  Relu: 'a < 0 ? 0 : a',
  Rsqrt: '1 / Math.sqrt(a)',
  // Halves to even, as tfjs rounds.
  Round: 'Math.abs(a % 1) === 0.5 && Math.round(a) % 2 !== 0 ? Math.round(a) - 1 : Math.round(a)',
  Sigmoid: '1 / (1 + Math.exp(-a))',
  Sign: 'a > 0 ? 1 : a < 0 ? -1 : a === 0 ? 0 : NaN',
  Sin: 'Math.sin(a)',
  Softplus: 'a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))',
  Sqrt: 'Math.sqrt(a)',
  Square: 'a * a',
  Tanh: 'Math.tanh(a)',
  Atan: 'Math.atan(a)',
  // Parameterised ones read `p` and `q` (bound when the kernel is built).
  LeakyRelu: 'a < 0 ? p * a : a',
  Step: 'a !== a ? NaN : a > 0 ? 1 : p',
  Elu: 'a >= 0 ? a : Math.expm1(a)',
  ClipByValue: 'a !== a ? NaN : a < p ? p : a > q ? q : a',
};

const BINARY_EXPR: Readonly<Record<string, string>> = {
  Add: 'a + b',
  Sub: 'a - b',
  Multiply: 'a * b',
  RealDiv: 'a / b',
  Maximum: 'a !== a || b !== b ? NaN : a > b ? a : b',
  Minimum: 'a !== a || b !== b ? NaN : a < b ? a : b',
  Pow: 'Math.pow(a, b)',
  SquaredDifference: '(a - b) * (a - b)',
  FloorDiv: 'Math.floor(a / b)',
  Mod: '((a % b) + b) % b',
  Atan2: 'Math.atan2(a, b)',
  Equal: 'a === b ? 1 : 0',
  NotEqual: 'a !== b ? 1 : 0',
  Less: 'a < b ? 1 : 0',
  LessEqual: 'a <= b ? 1 : 0',
  Greater: 'a > b ? 1 : 0',
  GreaterEqual: 'a >= b ? 1 : 0',
  LogicalAnd: 'a && b ? 1 : 0',
  LogicalOr: 'a || b ? 1 : 0',
};

type UnaryLoop = (x: ArrayLike<number>, out: Values, n: number, p: number, q: number) => void;
/** Forms: both operands full size; b a scalar; a a scalar; both read through index maps. */
type BinaryLoop = (x: ArrayLike<number>, y: ArrayLike<number>, out: Values, n: number, ia: Int32Array | null, ib: Int32Array | null) => void;

/**
 * Generated loops, one per op and form, made on first use. Where the page forbids generating code
 * (a strict content security policy), the same loops run through a callback instead.
 */
const unaryLoops = new Map<string, UnaryLoop>();
const binaryLoops = new Map<string, BinaryLoop>();
let generate = true;

/** Tests: build loops without code generation (as under a strict content security policy). */
export function useGeneratedLoops(on: boolean): void {
  generate = on;
  unaryLoops.clear();
  binaryLoops.clear();
}

function generated<F>(params: string[], body: string, fallback: () => F): F {
  if (generate) {
    try {
      return new Function(...params, body) as F;
    } catch {
      generate = false;
    }
  }
  return fallback();
}

function unaryLoop(kernel: string): UnaryLoop {
  let loop = unaryLoops.get(kernel);
  if (!loop) {
    const expr = UNARY_EXPR[kernel]!;
    loop = generated<UnaryLoop>(['x', 'out', 'n', 'p', 'q'], `for (let i = 0; i < n; i++) { const a = x[i]; out[i] = ${expr}; }`, () => {
      const f = FALLBACK[kernel]!;
      return (x, out, n, p, q) => {
        for (let i = 0; i < n; i++) out[i] = f(x[i]!, p, q);
      };
    });
    unaryLoops.set(kernel, loop);
  }
  return loop;
}

function binaryLoop(kernel: string, form: 'full' | 'scalarB' | 'scalarA' | 'indexed'): BinaryLoop {
  const key = `${kernel}:${form}`;
  let loop = binaryLoops.get(key);
  if (!loop) {
    const expr = BINARY_EXPR[kernel]!;
    const read = { full: ['x[i]', 'y[i]'], scalarB: ['x[i]', 'y0'], scalarA: ['x0', 'y[i]'], indexed: ['x[ia[i]]', 'y[ib[i]]'] }[form];
    const body = `const x0 = x[0], y0 = y[0]; for (let i = 0; i < n; i++) { const a = ${read[0]}, b = ${read[1]}; out[i] = ${expr}; }`;
    loop = generated<BinaryLoop>(['x', 'y', 'out', 'n', 'ia', 'ib'], body, () => {
      const f = FALLBACK[kernel]!;
      const at = (arr: ArrayLike<number>, idx: Int32Array | null, scalar: boolean, i: number): number => arr[scalar ? 0 : idx ? idx[i]! : i]!;
      return (x, y, out, n, ia, ib) => {
        for (let i = 0; i < n; i++) out[i] = f(at(x, ia, form === 'scalarA', i), at(y, ib, form === 'scalarB', i));
      };
    });
    binaryLoops.set(key, loop);
  }
  return loop;
}

/** The same ops as callbacks, for runtimes that forbid generating code. */
const FALLBACK: Readonly<Record<string, (...v: number[]) => number>> = {
  Abs: Math.abs, Ceil: Math.ceil, Cos: Math.cos, Exp: Math.exp, Expm1: Math.expm1, Floor: Math.floor,
  IsFinite: (a) => (Number.isFinite(a) ? 1 : 0), IsInf: (a) => (a === Infinity || a === -Infinity ? 1 : 0), IsNan: (a) => (Number.isNaN(a) ? 1 : 0),
  Log: Math.log, Log1p: Math.log1p, LogicalNot: (a) => (a ? 0 : 1), Neg: (a) => -a, Reciprocal: (a) => 1 / a,
  Relu: (a) => (a < 0 ? 0 : a), Rsqrt: (a) => 1 / Math.sqrt(a),
  Round: (a) => { const r = Math.round(a); return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; },
  Sigmoid: (a) => 1 / (1 + Math.exp(-a)), Sign: (a) => (a > 0 ? 1 : a < 0 ? -1 : a === 0 ? 0 : NaN), Sin: Math.sin,
  Softplus: (a) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))), Sqrt: Math.sqrt, Square: (a) => a * a,
  Tanh: Math.tanh, Atan: Math.atan,
  LeakyRelu: (a, p) => (a < 0 ? p! * a : a), Step: (a, p) => (Number.isNaN(a) ? NaN : a > 0 ? 1 : p!), Elu: (a) => (a >= 0 ? a : Math.expm1(a)),
  ClipByValue: (a, p, q) => (Number.isNaN(a) ? NaN : a < p! ? p! : a > q! ? q! : a),
  Add: (a, b) => a + b!, Sub: (a, b) => a - b!, Multiply: (a, b) => a * b!, RealDiv: (a, b) => a / b!,
  Maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b! ? a : b!), Minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b! ? a : b!),
  Pow: Math.pow, SquaredDifference: (a, b) => (a - b!) * (a - b!), FloorDiv: (a, b) => Math.floor(a / b!), Mod: (a, b) => ((a % b!) + b!) % b!, Atan2: Math.atan2,
  Equal: (a, b) => (a === b ? 1 : 0), NotEqual: (a, b) => (a !== b ? 1 : 0), Less: (a, b) => (a < b! ? 1 : 0), LessEqual: (a, b) => (a <= b! ? 1 : 0),
  Greater: (a, b) => (a > b! ? 1 : 0), GreaterEqual: (a, b) => (a >= b! ? 1 : 0), LogicalAnd: (a, b) => (a && b ? 1 : 0), LogicalOr: (a, b) => (a || b ? 1 : 0),
};

/** The native addon's op numbers for the binary kernels it has (native/binary.h). */
const NATIVE_BINARY: Readonly<Record<string, number>> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3,
  Equal: 10, NotEqual: 11, Less: 12, LessEqual: 13, Greater: 14, GreaterEqual: 15,
  LogicalAnd: 20, LogicalOr: 21,
};

export const ELEMENTWISE_KERNELS = [...Object.keys(UNARY_EXPR), ...Object.keys(BINARY_EXPR), 'Select', 'AddN', 'ZerosLike', 'OnesLike', 'Cast'];

function unaryImpl(spec: KernelSpec, p = 0, q = 0): Impl {
  const n = sizeOf(spec.outputs[0]!.shape);
  const native = UNARY_OPS[spec.kernel];
  const addon = spec.addon;
  if (addon && native !== undefined && n >= NATIVE_MIN_SIZE && spec.inputs[0]!.dtype === 'float32') {
    return { run: (ins, outs) => addon.unary(native, ins[0] as Float32Array, outs[0] as Float32Array) };
  }
  if (addon && n >= NATIVE_MIN_SIZE && spec.inputs[0]!.dtype === 'float32' && (spec.kernel === 'Neg' || spec.kernel === 'Square')) {
    // As products on the native broadcasting loop: x * -1 (a stride-0 scalar) and x * x.
    const shape = Int32Array.of(n);
    const ones = Int32Array.of(1);
    const minusOne = Float32Array.of(-1);
    const scalar = Int32Array.of(0);
    return spec.kernel === 'Neg'
      ? { run: (ins, outs) => addon.binary(2, ins[0]!, minusOne, outs[0]!, shape, ones, scalar) }
      : { run: (ins, outs) => addon.binary(2, ins[0]!, ins[0]!, outs[0]!, shape, ones, ones) };
  }
  const loop = unaryLoop(spec.kernel);
  return { run: (ins, outs) => loop(ins[0]!, outs[0]!, n, p, q) };
}

function binaryImpl(spec: KernelSpec): Impl {
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
  const form = aSame && bSame ? 'full' : aSame && sizeOf(b.shape) === 1 ? 'scalarB' : bSame && sizeOf(a.shape) === 1 ? 'scalarA' : 'indexed';
  const ia = form === 'indexed' ? broadcastIndex(a.shape, outShape) : null;
  const ib = form === 'indexed' ? broadcastIndex(b.shape, outShape) : null;
  const loop = binaryLoop(spec.kernel, form);
  return { run: (ins, outs) => loop(ins[0]!, ins[1]!, outs[0]!, n, ia, ib) };
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
  switch (kernel) {
    case 'LeakyRelu':
      return unaryImpl(spec, Number(attrs['alpha'] ?? 0.2));
    case 'Step':
      return unaryImpl(spec, Number(attrs['alpha'] ?? 0));
    case 'ClipByValue':
      return unaryImpl(spec, Number(attrs['clipValueMin']), Number(attrs['clipValueMax']));
  }
  if (UNARY_EXPR[kernel]) return unaryImpl(spec);
  if (BINARY_EXPR[kernel]) {
    if (spec.inputs.length !== 2) throw new Unsupported(kernel, `${spec.inputs.length} inputs`);
    return binaryImpl(spec);
  }
  switch (kernel) {
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
