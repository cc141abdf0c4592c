import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../fast/addon.js';
import { drawInto, subsampleInto, type FillRecord, type Stream } from '../rng.js';
import type { ArgKey, Dtype, Recording, Slot, Values } from './capture.js';
import { kernelImpl } from './kernels/index.js';
import { sizeOf } from './kernels/types.js';

/**
 * A recording turned into a straight-line program over typed arrays: every kernel call is a loop (or a
 * native call) bound to preallocated arrays, with no tfjs engine, tape or handler in between. Arrays are
 * reused once their last reader has run; kernels whose results nothing needs are dropped.
 */

/** How a stream was derived from the captured step's root, one split or fork per entry. */
type StreamPath = readonly ({ readonly index: number } | { readonly forkedAt: number })[];

interface RandomInput {
  readonly array: Values;
  readonly kind: 'uniform' | 'normal' | 'subsample';
  /** For 'subsample': the population size. */
  readonly population: number;
  readonly paths: readonly StreamPath[];
  readonly starts: readonly number[];
  readonly per: number;
}

/** What a replay needs from outside: current param values and the arguments of this step. */
export interface ReplayInputs {
  /** The unconstrained values of param `name` now. */
  param(name: string): Values;
  /** The values of the argument tensor at `path`. */
  arg(path: readonly ArgKey[]): Values;
  /** This step's root stream (the captured step's root maps to it). */
  readonly root: Stream;
}

function arrayFor(dtype: Dtype, length: number): Values {
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'int32') return new Int32Array(length);
  return new Uint8Array(length);
}

function pathTo(stream: Stream, root: Stream): StreamPath | undefined {
  const path: ({ index: number } | { forkedAt: number })[] = [];
  let s: Stream | undefined = stream;
  while (s && s !== root) {
    const origin: Stream['origin'] = s.origin;
    if (!origin) return undefined;
    path.push('index' in origin ? { index: origin.index } : { forkedAt: origin.forkedAt });
    s = origin.parent;
  }
  return s === root ? path.reverse() : undefined;
}

function follow(root: Stream, path: StreamPath): Stream {
  let s = root;
  for (const step of path) s = 'index' in step ? s.split(step.index) : s.at(step.forkedAt).fork();
  return s;
}

function sameValues(a: Values, b: Values): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

export class CompiledProgram {
  readonly #steps: (() => void)[] = [];
  /** The kernel each step runs (for `profile`). */
  readonly #names: string[] = [];
  /** After step i, the guards to check: [array, expected values]. */
  readonly #guards = new Map<number, [Values, Values][]>();
  readonly #params: { readonly array: Values; readonly name: string }[] = [];
  readonly #args: { readonly array: Values; readonly path: readonly ArgKey[] }[] = [];
  /** Tensors from outside the arguments whose values the program holds (checked still alive on each run). */
  readonly #external: tf.Tensor[] = [];
  readonly #random: RandomInput[] = [];
  readonly #arrays: Values[] = [];
  /** Kernel calls kept after dropping the ones nothing reads. */
  readonly kernels: number;
  /** Memory the program's arrays hold (they live as long as the program). */
  readonly bytes: number;

  /**
   * Throws `Unsupported` (from the kernel table) or an Error saying why the recording cannot be replayed.
   * `outputs` are the slots the caller reads after a run; `root` is the stream the captured step drew from.
   */
  constructor(recording: Recording<unknown>, outputs: readonly number[], root: Stream, addon: NativeAddon | undefined) {
    const { slots, calls, guards } = recording;
    // Which calls matter: those on a path to an output or a guard.
    const needed = new Set<number>([...outputs, ...guards.map((g) => g.slot)]);
    const live = new Array<boolean>(calls.length).fill(false);
    for (let i = calls.length - 1; i >= 0; i--) {
      const call = calls[i]!;
      if (call.outputs.some((o) => needed.has(o))) {
        live[i] = true;
        for (const s of call.inputs) needed.add(s);
      }
    }
    // Which array holds each slot; aliasing kernels share their input's.
    const arrayOf = new Array<number | undefined>(slots.length).fill(undefined);
    const dtypeOf: Dtype[] = [];
    const lengthOf: number[] = [];
    const persistent = new Set<number>();
    const newArray = (slot: Slot, keep: boolean): number => {
      const id = dtypeOf.length;
      dtypeOf.push(slot.dtype);
      lengthOf.push(sizeOf(slot.shape));
      if (keep) persistent.add(id);
      return id;
    };
    const inputArray = (slotIndex: number): number => {
      const known = arrayOf[slotIndex];
      if (known !== undefined) return known;
      const slot = slots[slotIndex]!;
      if (!slot.source) throw new Error(`slot ${slotIndex} is read before any kernel wrote it`);
      const id = newArray(slot, true);
      arrayOf[slotIndex] = id;
      return id;
    };
    // Plan: each live call's implementation and array ids; the last call that reads each array.
    type Planned = { readonly run: (ins: readonly Values[], outs: readonly Values[]) => void; readonly ins: number[]; readonly outs: number[] };
    const planned: (Planned | undefined)[] = [];
    const lastRead = new Map<number, number>();
    for (let i = 0; i < calls.length; i++) {
      if (!live[i]) {
        planned.push(undefined);
        continue;
      }
      const call = calls[i]!;
      const ins = call.inputs.map(inputArray);
      const impl = kernelImpl({
        kernel: call.kernel,
        inputs: call.inputs.map((s) => slots[s]!),
        outputs: call.outputs.map((s) => slots[s]!),
        attrs: call.attrs,
        addon,
      });
      if ('alias' in impl) {
        const source = ins[impl.alias]!;
        call.outputs.forEach((o) => (arrayOf[o] = source));
        planned.push(undefined);
        for (const a of ins) lastRead.set(a, i);
        continue;
      }
      const outs = call.outputs.map((o) => {
        const id = newArray(slots[o]!, false);
        arrayOf[o] = id;
        return id;
      });
      planned.push({ run: impl.run, ins, outs });
      for (const a of ins) lastRead.set(a, i);
    }
    for (const g of guards) {
      const a = inputArray(g.slot);
      lastRead.set(a, Math.max(lastRead.get(a) ?? -1, g.after - 1));
    }
    for (const o of outputs) persistent.add(inputArray(o));
    // Allocate: arrays of the same dtype and length are reused once their last reader has run.
    const pool = new Map<string, Values[]>();
    const storage = new Map<number, Values>();
    let bytes = 0;
    const take = (id: number): Values => {
      const key = `${dtypeOf[id]}:${lengthOf[id]}`;
      const free = persistent.has(id) ? undefined : pool.get(key)?.pop();
      const array = free ?? arrayFor(dtypeOf[id]!, lengthOf[id]!);
      if (!free) bytes += array.byteLength;
      storage.set(id, array);
      return array;
    };
    const release = (id: number): void => {
      if (persistent.has(id)) return;
      const key = `${dtypeOf[id]}:${lengthOf[id]}`;
      const list = pool.get(key) ?? [];
      list.push(storage.get(id)!);
      pool.set(key, list);
    };
    // Inputs first (they live through the whole run).
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s]!;
      const id = arrayOf[s];
      if (id === undefined || !slot.source || storage.has(id)) continue;
      const array = take(id);
      const source = slot.source;
      if (source.kind === 'param') this.#params.push({ array, name: source.name });
      else if (source.kind === 'arg') this.#args.push({ array, path: source.path });
      else if (source.kind === 'constant') {
        array.set(source.values);
        if (source.tensor) this.#external.push(source.tensor);
      }
      else this.#random.push(this.#randomInput(source.fill, array, root));
    }
    const byRelease = new Map<number, number[]>();
    for (const [id, at] of lastRead) byRelease.set(at, [...(byRelease.get(at) ?? []), id]);
    let kept = 0;
    const guardsAfter = new Map<number, [number, Values][]>();
    for (const g of guards) {
      const at = g.after - 1;
      guardsAfter.set(at, [...(guardsAfter.get(at) ?? []), [inputArray(g.slot), g.values]]);
    }
    const bindGuards = (at: number, stepIndex: number): void => {
      const list = guardsAfter.get(at);
      if (!list) return;
      const bound = list.map(([id, values]): [Values, Values] => [storage.get(id)!, values]);
      this.#guards.set(stepIndex, [...(this.#guards.get(stepIndex) ?? []), ...bound]);
    };
    bindGuards(-1, -1);
    for (let i = 0; i < calls.length; i++) {
      const plan = planned[i];
      if (plan) {
        const outs = plan.outs.map(take);
        const ins = plan.ins.map((id) => storage.get(id)!);
        const run = plan.run;
        this.#steps.push(() => run(ins, outs));
        const shapes = [...calls[i]!.inputs, calls[i]!.outputs[0]!].map((s) => `[${slots[s]!.shape.join(',')}]`);
        this.#names.push(`${calls[i]!.kernel} ${shapes.slice(0, -1).join(' ')} -> ${shapes.at(-1)}`);
        kept++;
        // A result nobody reads (a dead output of a multi-output kernel) is free at once.
        for (const id of plan.outs) if (!lastRead.has(id) && !persistent.has(id)) release(id);
      }
      bindGuards(i, this.#steps.length - 1);
      for (const id of byRelease.get(i) ?? []) release(id);
    }
    this.kernels = kept;
    this.bytes = bytes;
    for (const o of outputs) this.#arrays[o] = storage.get(inputArray(o))!;
  }

  #randomInput(fill: FillRecord, array: Values, root: Stream): RandomInput {
    if (fill.kind === 'custom') throw new Error('a host-side sampler cannot be replayed');
    if (fill.kind === 'subsample' ? fill.dtype !== 'int32' : fill.dtype !== 'float32') throw new Error(`a ${fill.kind} fill of dtype ${fill.dtype}`);
    const paths = fill.streams.map((s) => {
      const path = pathTo(s, root);
      if (!path) throw new Error("draws from a random stream that does not come from the step's seed");
      return path;
    });
    return { array, kind: fill.kind, population: fill.population ?? 0, paths, starts: fill.starts, per: array.length / fill.streams.length };
  }

  /**
   * Are the tensors it read from outside its arguments still alive? A program holds their values, which
   * is right while they exist (tensors are immutable); a disposed one means the caller moved on to other
   * data, which the program would not see.
   */
  get externalsAlive(): boolean {
    return this.#external.every((t) => !t.isDisposed);
  }

  /** One replay; false (and nothing to read) when a host read differs from the recording's. */
  run(inputs: ReplayInputs): boolean {
    for (const p of this.#params) p.array.set(inputs.param(p.name));
    for (const a of this.#args) a.array.set(inputs.arg(a.path));
    for (const r of this.#random) {
      for (let c = 0; c < r.paths.length; c++) {
        const stream = follow(inputs.root, r.paths[c]!).at(r.starts[c]!);
        if (r.kind === 'subsample') subsampleInto(stream, r.population, r.per, r.array as Int32Array);
        else drawInto(r.kind, stream, r.array as Float32Array, c * r.per, r.per);
      }
    }
    if (!this.#check(-1)) return false;
    const steps = this.#steps;
    const guarded = this.#guards.size > 0;
    for (let i = 0; i < steps.length; i++) {
      steps[i]!();
      if (guarded && !this.#check(i)) return false;
    }
    return true;
  }

  /** Milliseconds per kernel (name and output shape) of one run, largest first: where a replay's time goes. */
  profile(inputs: ReplayInputs): [string, number][] {
    const total = new Map<string, number>();
    this.run(inputs); // warm
    for (const p of this.#params) p.array.set(inputs.param(p.name));
    for (let i = 0; i < this.#steps.length; i++) {
      const t0 = performance.now();
      this.#steps[i]!();
      const key = this.#names[i]!;
      total.set(key, (total.get(key) ?? 0) + performance.now() - t0);
    }
    return [...total].sort((a, b) => b[1] - a[1]);
  }

  #check(step: number): boolean {
    const list = this.#guards.get(step);
    if (!list) return true;
    for (const [array, expected] of list) if (!sameValues(array, expected)) return false;
    return true;
  }

  /** The values of an output slot after a run (valid until the next run). */
  output(slot: number): Values {
    const array = this.#arrays[slot];
    if (!array) throw new Error(`slot ${slot} is not an output of this program`);
    return array;
  }
}
