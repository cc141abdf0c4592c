import * as tf from '@tensorflow/tfjs';
import { capture, type ArgKey, type Recording, type Values } from '../runtime/compile/capture.js';
import { hostValues } from '../runtime/compile/host-memory.js';
import { CompiledProgram } from '../runtime/compile/program.js';
import type { NativeAddon } from '../runtime/fast/addon.js';
import { getParamStore } from '../runtime/param-store.js';
import type { Stream } from '../runtime/rng.js';
import type { StepStructure } from './estimator.js';
import type { GradientTensors } from './gradients.js';
import { argsSignature } from './program.js';

/**
 * Compiled gradient steps (docs/compile.md). For each structure (argument shapes and the params' names
 * and shapes) the step runs eagerly once, is then recorded on two further steps, and when both
 * recordings agree kernel for kernel it is replayed from then on as a straight-line program
 * (src/runtime/compile/program.ts), drawing fresh randomness from the same streams an eager step would.
 * Whatever a replay cannot reproduce keeps that structure eager, with a one-time note saying why.
 */

/** What a replayed step produced: gradient values by param, and the two scalars. */
export interface ReplayedGradients {
  readonly grads: ReadonlyMap<string, Values>;
  readonly loss: number;
  readonly objective: number;
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

interface Outputs {
  readonly grads: readonly (readonly [string, number])[];
  readonly loss: number;
  readonly objective: number;
}

type Entry =
  | { readonly state: 'seen' }
  | { readonly state: 'recorded'; readonly recording: Recording<GradientTensors>; readonly root: Stream }
  | { readonly state: 'compiled'; readonly program: CompiledProgram; readonly outputs: Outputs; readonly cost: number; readonly stats: Readonly<Record<string, number>>; guardFailures: number }
  | { readonly state: 'eager'; readonly reason: string };

/**
 * Whether svi and gradients compile when their options do not say: yes, unless the environment sets
 * ROULETTE_COMPILE=0 (which runs a whole program, or test suite, eagerly).
 */
export function compileByDefault(): boolean {
  return globalThis.process?.env?.['ROULETTE_COMPILE'] !== '0';
}

/** A replay stops being tried after this many replays whose host reads differed from the recording. */
const MAX_GUARD_FAILURES = 3;

const noted = new Set<string>();

/** The default note: console.warn, once per reason in a process. */
function warnOnce(note: string): void {
  if (noted.has(note)) return;
  noted.add(note);
  console.warn(note);
}

function outputsOf(recording: Recording<GradientTensors>): Outputs | string {
  const { grads, loss, objective } = recording.result;
  const slot = (t: tf.Tensor, what: string): number | string => recording.slotOf(t) ?? `its ${what} is not made by a recorded kernel`;
  const pairs: [string, number][] = [];
  for (const [name, g] of Object.entries(grads)) {
    const s = slot(g, `gradient of '${name}'`);
    if (typeof s === 'string') return s;
    pairs.push([name, s]);
  }
  const l = slot(loss, 'loss');
  const o = slot(objective, 'objective');
  if (typeof l === 'string') return l;
  if (typeof o === 'string') return o;
  return { grads: pairs, loss: l, objective: o };
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function streamPath(s: Stream, root: Stream): string {
  const parts: string[] = [];
  let at: Stream | undefined = s;
  while (at && at !== root) {
    const o: Stream['origin'] = at.origin;
    if (!o) return 'outside';
    parts.push('index' in o ? `s${o.index}` : `f${o.forkedAt}`);
    at = o.parent;
  }
  return at === root ? parts.join('.') : 'outside';
}

/** Why two recordings of the same structure differ, or undefined when one program serves both. */
function difference(a: Recording<GradientTensors>, rootA: Stream, b: Recording<GradientTensors>, rootB: Stream): string | undefined {
  if (a.calls.length !== b.calls.length || a.slots.length !== b.slots.length) return 'its kernels differ from one step to the next (control flow that depends on values or on state outside the program)';
  for (let i = 0; i < a.calls.length; i++) {
    const x = a.calls[i]!;
    const y = b.calls[i]!;
    if (x.kernel !== y.kernel || !sameArray(x.inputs, y.inputs) || !sameArray(x.outputs, y.outputs) || JSON.stringify(x.attrs) !== JSON.stringify(y.attrs)) {
      return `its kernels differ from one step to the next (${x.kernel} vs ${y.kernel} at kernel ${i})`;
    }
  }
  for (let i = 0; i < a.slots.length; i++) {
    const x = a.slots[i]!;
    const y = b.slots[i]!;
    if (x.dtype !== y.dtype || !sameArray(x.shape, y.shape) || x.source?.kind !== y.source?.kind) return 'its tensors differ in shape or origin from one step to the next';
    const sx = x.source;
    const sy = y.source;
    if (!sx || !sy) continue;
    if (sx.kind === 'constant' && sy.kind === 'constant' && sx.tensor !== sy.tensor) {
      return 'it reads a different tensor from outside its arguments on each step (data held in a closure?): pass data as arguments of step()';
    }
    if (sx.kind === 'constant' && sy.kind === 'constant' && !sameArray(sx.values, sy.values)) {
      return 'a tensor made from host values changes from one step to the next (e.g. a counter, a schedule or a running average inside the program)';
    }
    if (sx.kind === 'param' && sy.kind === 'param' && sx.name !== sy.name) return 'it reads different params on different steps';
    if (sx.kind === 'arg' && sy.kind === 'arg' && sx.path.join() !== sy.path.join()) return 'it reads its arguments differently on different steps';
    if (sx.kind === 'random' && sy.kind === 'random') {
      const px = sx.fill.streams.map((s) => streamPath(s, rootA)).join();
      const py = sy.fill.streams.map((s) => streamPath(s, rootB)).join();
      if (px !== py || px.includes('outside') || !sameArray(sx.fill.starts, sy.fill.starts) || sx.fill.kind !== sy.fill.kind || sx.fill.population !== sy.fill.population) return "it draws random numbers from streams that are not derived the same way from each step's seed";
    }
  }
  if (a.guards.length !== b.guards.length) return 'it reads values back a different number of times on different steps';
  for (let i = 0; i < a.guards.length; i++) {
    const x = a.guards[i]!;
    const y = b.guards[i]!;
    if (x.slot !== y.slot || x.after !== y.after || !sameArray(x.values, y.values)) {
      return 'a value it reads back (dataSync) changes from one step to the next, so its control flow may depend on it';
    }
  }
  return undefined;
}

function paramSignature(): string {
  const store = getParamStore();
  return store
    .names()
    .map((n) => `${n}:${store.variable(n).shape.join('x')}`)
    .join(',');
}

function argAt(args: readonly unknown[], path: readonly ArgKey[]): tf.Tensor {
  let v: unknown = args;
  for (const k of path) v = (v as Record<ArgKey, unknown>)[k];
  return v as tf.Tensor;
}

export class StepCompiler {
  readonly #entries = new Map<string, Entry>();

  readonly #told = new Set<string>();

  constructor(
    private readonly addon: NativeAddon | undefined,
    private readonly onNote: (note: string) => void = warnOnce,
  ) {}

  /** The structure key of a step on `args` whose estimators report `structure`. */
  key(args: readonly unknown[], structure: StepStructure): string {
    return `${argsSignature(args)}|${paramSignature()}|${structure.key}`;
  }

  /** What the compiler does with this structure now: 'compiled', 'recording', or why it stays eager. */
  status(key: string): string {
    const e = this.#entries.get(key);
    if (!e || e.state === 'seen' || e.state === 'recorded') return 'recording';
    return e.state === 'compiled' ? 'compiled' : `eager: ${e.reason}`;
  }

  /** Where a compiled structure's replay spends its time (see `CompiledProgram.profile`). */
  profile(key: string, args: readonly unknown[], stream: Stream): [string, number][] | undefined {
    const entry = this.#entries.get(key);
    if (entry?.state !== 'compiled') return undefined;
    const store = getParamStore();
    return entry.program.profile({ param: (name) => hostValues(store.variable(name)), arg: (path) => hostValues(argAt(args, path)), root: stream });
  }

  /** A replay of a compiled structure, or undefined: run the step eagerly (through `eager`). */
  replay(key: string, args: readonly unknown[], stream: Stream): ReplayedGradients | undefined {
    const entry = this.#entries.get(key);
    if (entry?.state !== 'compiled') return undefined;
    if (!entry.program.externalsAlive) {
      this.#off(key, 'a tensor it read from outside its arguments was disposed (data held in a closure?): pass data as arguments of step()');
      return undefined;
    }
    const store = getParamStore();
    const ok = entry.program.run({
      param: (name) => hostValues(store.variable(name)),
      arg: (path) => hostValues(argAt(args, path)),
      root: stream,
    });
    if (!ok) {
      entry.guardFailures++;
      if (entry.guardFailures >= MAX_GUARD_FAILURES) this.#off(key, `a value read back during the step (dataSync) differed from the recording's on ${MAX_GUARD_FAILURES} replays`);
      return undefined;
    }
    const { program, outputs } = entry;
    return {
      grads: new Map(outputs.grads.map(([name, slot]) => [name, program.output(slot)] as const)),
      loss: program.output(outputs.loss)[0]!,
      objective: program.output(outputs.objective)[0]!,
      cost: entry.cost,
      stats: entry.stats,
    };
  }

  /** Run `compute` eagerly, recording it when this structure is due for a recording. */
  eager(key: string, args: readonly unknown[], stream: Stream, structure: StepStructure, compute: () => GradientTensors): GradientTensors {
    const entry = this.#entries.get(key);
    if (!entry) {
      // The first step of a structure creates params and warms caches: it is not representative.
      this.#entries.set(key, { state: 'seen' });
      this.#evict();
      return compute();
    }
    if (entry.state !== 'seen' && entry.state !== 'recorded') return compute();
    const store = getParamStore();
    const params = new Map(store.names().map((n) => [store.variable(n).name, n] as const));
    const recording = capture(compute, { args, params, covered: structure.streams });
    if (recording.obstacles.length > 0) {
      this.#off(key, recording.obstacles.join('; '));
      return recording.result;
    }
    if (entry.state === 'seen') {
      this.#entries.set(key, { state: 'recorded', recording, root: stream });
      return recording.result;
    }
    const why = difference(entry.recording, entry.root, recording, stream);
    const outputs = outputsOf(recording);
    if (why || typeof outputs === 'string') {
      this.#off(key, why ?? (outputs as string));
      return recording.result;
    }
    try {
      const program = new CompiledProgram(recording, [...outputs.grads.map(([, s]) => s), outputs.loss, outputs.objective], stream, this.addon);
      this.#entries.set(key, { state: 'compiled', program, outputs, cost: recording.result.cost, stats: recording.result.stats, guardFailures: 0 });
    } catch (error) {
      this.#off(key, error instanceof Error ? error.message : String(error));
    }
    return recording.result;
  }

  /** Keys beyond this many are forgotten oldest first (debiased estimators make one per level drawn). */
  static readonly MAX_STRUCTURES = 64;

  #evict(): void {
    while (this.#entries.size > StepCompiler.MAX_STRUCTURES) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  #off(key: string, reason: string): void {
    this.#entries.set(key, { state: 'eager', reason });
    if (this.#told.has(reason)) return;
    this.#told.add(reason);
    this.onNote(`roulette compile: this step runs eagerly: ${reason} (svi({ compile: false }) turns compilation off)`);
  }
}
