import * as tf from '@tensorflow/tfjs';
import { watchFills, watchHostDraws, type FillRecord, type Stream } from '../rng.js';

/**
 * Recording one run of a tensor computation at the kernel level: every kernel tfjs dispatches (forward,
 * backward, anything else), where each input tensor came from, and every value read back to the host.
 * The recording is what src/runtime/compile/program.ts turns into a straight-line program.
 */

/** The typed arrays tensors are stored in. */
export type Values = Float32Array | Int32Array | Uint8Array;

export type Dtype = 'float32' | 'int32' | 'bool';

/** Where a tensor the recorded kernels read came from, when no recorded kernel made it. */
export type Source =
  /** A learnable param (its unconstrained variable), read afresh on every replay. */
  | { readonly kind: 'param'; readonly name: string }
  /** A tensor among the arguments of the recorded function, by position (inside arrays and plain objects too). */
  | { readonly kind: 'arg'; readonly path: readonly ArgKey[] }
  /** Random numbers a `RandomSource` drew; a replay draws them again from re-derived streams. */
  | { readonly kind: 'random'; readonly fill: FillRecord }
  /** A tensor made from host values during the run, or one that existed before it (tensors are immutable). */
  | { readonly kind: 'constant'; readonly values: Values; readonly tensor?: tf.Tensor };

/** One step of an argument path: an array index or an object key. */
export type ArgKey = number | string;

export interface Slot {
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  /** Set for inputs; undefined for values a recorded kernel produced. */
  source?: Source;
}

export interface KernelCall {
  readonly kernel: string;
  readonly inputNames: readonly string[];
  readonly inputs: readonly number[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly number[];
}

/** A value read back to the host during the run: a replay must read the same, or its control flow may differ. */
export interface Guard {
  readonly slot: number;
  /** Kernel calls recorded before the read (the guard is checked after that many have run). */
  readonly after: number;
  readonly values: Values;
}

export interface Recording<R> {
  readonly slots: readonly Slot[];
  readonly calls: readonly KernelCall[];
  readonly guards: readonly Guard[];
  readonly result: R;
  /** The slot of each tensor the caller asks about (outputs), by tensor id. */
  slotOf(tensor: tf.Tensor): number | undefined;
  /** Why this run cannot be replayed (empty when it can). */
  readonly obstacles: readonly string[];
}

export interface CaptureContext {
  /** Tensor arguments of the run (each found by position in a replay). */
  readonly args: readonly unknown[];
  /** The param store's variables, by variable name -> param name. */
  readonly params: ReadonlyMap<string, string>;
  /** Streams whose host draws the caller has accounted for (they decide only the structure key). */
  readonly covered?: readonly Stream[];
}

function isDtype(d: string): d is Dtype {
  return d === 'float32' || d === 'int32' || d === 'bool';
}

function copyValues(values: ArrayLike<number> | Values, dtype: Dtype): Values {
  if (dtype === 'float32') return Float32Array.from(values as ArrayLike<number>);
  if (dtype === 'int32') return Int32Array.from(values as ArrayLike<number>);
  return Uint8Array.from(values as ArrayLike<number>);
}

function argPaths(args: readonly unknown[]): Map<number, ArgKey[]> {
  const paths = new Map<number, ArgKey[]>();
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: ArgKey[]): void => {
    if (value instanceof tf.Tensor) {
      if (!paths.has(value.id)) paths.set(value.id, path);
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (Object.getPrototypeOf(value) === Object.prototype) for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
  };
  args.forEach((a, i) => visit(a, [i]));
  return paths;
}

type Engine = {
  runKernel: (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
  makeTensor: (values: unknown, shape: number[], dtype: string, backend?: unknown) => tf.Tensor;
  makeVariable: (...a: unknown[]) => tf.Variable;
  readSync: (dataId: object) => unknown;
  read: (dataId: object) => Promise<unknown>;
};

let capturing = false;

/** Is a capture running (nested captures are refused)? */
export function isCapturing(): boolean {
  return capturing;
}

/**
 * Run `fn` once, eagerly and with its usual results, while recording its kernels. Inputs are classified
 * as params, arguments, random fills or constants; host reads become guards. What cannot be replayed
 * (host-side random draws, new variables, async reads, custom fills, unsupported dtypes) is listed in
 * `obstacles` rather than thrown, so the caller can fall back and say why.
 */
export function capture<R>(fn: () => R, context: CaptureContext): Recording<R> {
  if (capturing) throw new Error('roulette compile: captures do not nest');
  const engine = tf.engine() as unknown as Engine;
  const slots: Slot[] = [];
  const calls: KernelCall[] = [];
  const guards: Guard[] = [];
  const obstacles = new Set<string>();
  const foreignVariables = new Set<string>();
  const bySlotId = new Map<number, number>(); // tensor id -> slot
  const byDataId = new Map<object, number>(); // data id -> a slot holding that data
  const args = argPaths(context.args);
  let depth = 0;
  // Tensor ids only grow: a tensor at or past this id was made during the run, so it is no constant.
  const probe = tf.scalar(0);
  const firstId = probe.id + 1;
  probe.dispose();

  const addSlot = (t: tf.Tensor, source?: Source): number => {
    if (!isDtype(t.dtype)) obstacles.add(`a tensor of dtype ${t.dtype}`);
    const slot = slots.length;
    slots.push({ shape: [...t.shape], dtype: isDtype(t.dtype) ? t.dtype : 'float32', ...(source ? { source } : {}) });
    bySlotId.set(t.id, slot);
    byDataId.set(t.dataId, slot);
    return slot;
  };

  const own = (['runKernel', 'makeTensor', 'makeVariable', 'readSync', 'read'] as const).filter((k) => Object.prototype.hasOwnProperty.call(engine, k));
  const original = { runKernel: engine.runKernel, makeTensor: engine.makeTensor, makeVariable: engine.makeVariable, readSync: engine.readSync, read: engine.read };
  const readOriginal = (t: tf.Tensor): Values => original.readSync.call(engine, t.dataId) as Values;

  // A tensor no recorded kernel produced: a param, an argument, or a constant that existed before the run.
  const inputSlot = (t: tf.Tensor): number => {
    const known = bySlotId.get(t.id);
    if (known !== undefined) return known;
    if (t instanceof tf.Variable) {
      const param = context.params.get(t.name);
      if (param === undefined) foreignVariables.add(t.name);
      return addSlot(t, { kind: 'param', name: param ?? t.name });
    }
    const path = args.get(t.id);
    if (path) return addSlot(t, { kind: 'arg', path });
    if (t.id >= firstId) obstacles.add('uses a tensor made outside the recorded kernels');
    return addSlot(t, { kind: 'constant', values: copyValues(readOriginal(t), t.dtype as Dtype), tensor: t });
  };

  // Kernels dispatched while another runs (the engine's clones of tensors it saves for the backward
  // pass) are recorded after it, in the order they finished: their inputs may be its outputs.
  let nested: { name: string; inputs: Record<string, tf.Tensor>; attrs: Record<string, unknown>; outs: tf.Tensor[] }[] = [];
  // Optional inputs (a fused product's missing bias) arrive as null or undefined entries.
  const present = (inputs: Record<string, tf.Tensor>): string[] => Object.keys(inputs).filter((n) => inputs[n] != null);
  const record = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>, outs: tf.Tensor[], inputSlots?: number[]): void => {
    const inputNames = present(inputs);
    const ins = inputSlots ?? inputNames.map((n) => inputSlot(inputs[n]!));
    calls.push({ kernel: name, inputNames, inputs: ins, attrs: { ...(attrs ?? {}) }, outputs: outs.map((t) => addSlot(t)) });
  };
  engine.runKernel = function (name, inputs, attrs) {
    if (depth > 0) {
      const out = original.runKernel.call(engine, name, inputs, attrs);
      nested.push({ name, inputs, attrs, outs: Array.isArray(out) ? out : [out] });
      return out;
    }
    const inputSlots = present(inputs).map((n) => inputSlot(inputs[n]!));
    depth++;
    let out: tf.Tensor | tf.Tensor[];
    try {
      out = original.runKernel.call(engine, name, inputs, attrs);
    } finally {
      depth--;
    }
    record(name, inputs, attrs, Array.isArray(out) ? out : [out], inputSlots);
    const inner = nested;
    nested = [];
    for (const n of inner) record(n.name, n.inputs, n.attrs, n.outs);
    return out;
  };
  engine.makeTensor = function (values, shape, dtype, backend) {
    const t = original.makeTensor.call(engine, values, shape, dtype, backend);
    if (depth === 0) {
      if (!isDtype(t.dtype)) obstacles.add(`makes a tensor of dtype ${t.dtype}`);
      else addSlot(t, { kind: 'constant', values: copyValues(values as ArrayLike<number>, t.dtype) });
    }
    return t;
  };
  engine.makeVariable = function (...a) {
    obstacles.add('creates a tf.Variable while it runs (params are created on the first, uncompiled step)');
    return original.makeVariable.apply(engine, a);
  };
  // Host reads become guards. Through a tensor's dataSync we know the tensor, so a read of a param, an
  // argument or a tensor from before the run is guarded too (its values may differ on the next step);
  // other reads of the engine are found by data id.
  const tensorProto = tf.Tensor.prototype as unknown as { dataSync: (this: tf.Tensor) => Values };
  const ownDataSync = Object.prototype.hasOwnProperty.call(tensorProto, 'dataSync');
  const originalDataSync = tensorProto.dataSync;
  let reading = 0;
  tensorProto.dataSync = function (this: tf.Tensor) {
    reading++;
    try {
      const values = originalDataSync.call(this);
      if (depth === 0 && isDtype(this.dtype)) guards.push({ slot: inputSlot(this), after: calls.length, values: values.slice() as Values });
      return values;
    } finally {
      reading--;
    }
  };
  engine.readSync = function (dataId) {
    const values = original.readSync.call(engine, dataId) as Values;
    const slot = byDataId.get(dataId);
    if (slot !== undefined && depth === 0 && reading === 0) guards.push({ slot, after: calls.length, values: values.slice() as Values });
    return values;
  };
  engine.read = function (dataId) {
    obstacles.add('reads a tensor asynchronously (data()) while it runs');
    return original.read.call(engine, dataId);
  };
  const stopFills = watchFills((tensor, fill) => {
    if (fill.kind === 'custom') obstacles.add('draws with a host-side sampler (RandomSource.fill with a custom draw, e.g. Poisson or binomial)');
    const slot = bySlotId.get(tensor.id);
    if (slot !== undefined) slots[slot]!.source = { kind: 'random', fill };
  });
  const covered = context.covered ?? [];
  const stopHostDraws = watchHostDraws((stream) => {
    if (covered.some((c) => c.sameStream(stream))) return;
    obstacles.add('draws random numbers on the host (e.g. a level K or a plate subsample), which a replay would repeat');
  });
  capturing = true;
  let result: R;
  try {
    result = fn();
  } finally {
    capturing = false;
    stopFills();
    stopHostDraws();
    if (ownDataSync) tensorProto.dataSync = originalDataSync;
    else delete (tensorProto as Partial<typeof tensorProto>).dataSync;
    // Put back what was there: own properties as they were, prototype methods by removing the patch.
    for (const key of Object.keys(original) as (keyof typeof original)[]) {
      if (own.includes(key)) (engine as Record<string, unknown>)[key] = original[key];
      else delete (engine as Partial<Engine>)[key];
    }
  }
  if (foreignVariables.size > 0) obstacles.add(`reads tf.Variables that are not params (${[...foreignVariables].slice(0, 5).join(', ')}${foreignVariables.size > 5 ? ', ...' : ''})`);
  return {
    slots,
    calls,
    guards,
    result,
    obstacles: [...obstacles],
    slotOf: (t) => bySlotId.get(t.id),
  };
}
