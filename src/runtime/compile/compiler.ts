import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../fast/addon.js';
import { getParamStore } from '../param-store.js';
import type { Stream } from '../rng.js';
import { capture, isCapturing, type ArgKey, type Recording, type Values } from './capture.js';
import { hostValues } from './host-memory.js';
import { CompiledProgram } from './program.js';

/**
 * Record-then-replay for any tensor computation (docs/compile.md): for each structure key the
 * computation runs eagerly once, is then recorded on its next two runs, and when both recordings agree
 * kernel for kernel it is replayed from then on as a straight-line program (./program.ts), drawing
 * fresh randomness from the same streams an eager run would. Whatever a replay cannot reproduce keeps
 * that key eager, with a one-time note saying why. svi and gradients use it for whole steps
 * (src/inference/compiled-step.ts), C-ISIR for one chain iteration.
 */

/** What a compiler needs to know of the computation's result R. */
export interface CompilerSpec<R, M> {
  /** The tensors a replay hands back, in order. */
  outputs(result: R): readonly tf.Tensor[];
  /** Plain data of a recorded result, handed back with every replay (static per structure). */
  summary(result: R): M;
  /** How notes name the computation ("this step", "this chain iteration"). */
  readonly what: string;
}

/** A replay's outputs (valid until the next replay of the same structure) and the recorded summary. */
export interface Replayed<M> {
  readonly outputs: readonly Values[];
  readonly summary: M;
}

type Entry<R, M> =
  | { readonly state: 'seen' }
  | { readonly state: 'recorded'; readonly recording: Recording<R>; readonly root: Stream }
  | {
      readonly state: 'compiled';
      readonly program: CompiledProgram;
      readonly slots: readonly number[];
      readonly summary: M;
      /** The recording the program was built from, to check later runs against. */
      readonly recording: Recording<R>;
      readonly root: Stream;
      guardFailures: number;
      replays: number;
      /** Set when the next run is a re-check: recorded eagerly and compared with `recording`. */
      recheck: boolean;
    }
  | { readonly state: 'eager'; readonly reason: string };

/**
 * Replays after which the next run is recorded again and compared with the program's recording: state
 * outside the program's arguments (a closure variable turned into a constant, say) that changes later
 * is caught there, and the structure goes eager with a note. Every RECHECK_EVERY replays after the last.
 */
const RECHECKS = [16, 64, 256, 1024] as const;
const RECHECK_EVERY = 4096;

function isRecheck(replays: number): boolean {
  return (RECHECKS as readonly number[]).includes(replays) || (replays > RECHECKS[RECHECKS.length - 1]! && replays % RECHECK_EVERY === 0);
}

/** ROULETTE_COMPILE_MB, else 1 GiB: the memory one compiler's programs may hold. */
function defaultMaxBytes(): number {
  const mb = Number(globalThis.process?.env?.['ROULETTE_COMPILE_MB']);
  return (Number.isFinite(mb) && mb > 0 ? mb : 1024) * 2 ** 20;
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
export function difference(a: Recording<unknown>, rootA: Stream, b: Recording<unknown>, rootB: Stream): string | undefined {
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

function argAt(args: readonly unknown[], path: readonly ArgKey[]): tf.Tensor {
  let v: unknown = args;
  for (const k of path) v = (v as Record<ArgKey, unknown>)[k];
  return v as tf.Tensor;
}

/** Whether the compiler replays, records or runs a structure eagerly. */
export class Compiler<R, M> {
  readonly #entries = new Map<string, Entry<R, M>>();
  readonly #told = new Set<string>();
  #replays = 0;

  constructor(
    private readonly spec: CompilerSpec<R, M>,
    private readonly addon: NativeAddon | undefined,
    private readonly onNote: (note: string) => void = warnOnce,
    /** Keys beyond this many are forgotten oldest first (debiased estimators make one per level drawn). */
    private readonly maxStructures = 64,
    /**
     * Memory all programs may hold; the oldest are dropped past it, and a program that alone would take
     * over a quarter of it is not kept (its structure runs eagerly, as tfjs frees an eager step's arrays).
     */
    private readonly maxBytes = defaultMaxBytes(),
  ) {}

  /** Successful replays so far. */
  get replays(): number {
    return this.#replays;
  }

  /** What the compiler does with this structure now: 'compiled', 'recording', or why it stays eager. */
  status(key: string): string {
    const e = this.#entries.get(key);
    if (!e || e.state === 'seen' || e.state === 'recorded') return 'recording';
    return e.state === 'compiled' ? 'compiled' : `eager: ${e.reason}`;
  }

  /** Where a compiled structure's replay spends its time (see `CompiledProgram.profile`). */
  profile(key: string, args: readonly unknown[], root: Stream): [string, number][] | undefined {
    const entry = this.#entries.get(key);
    if (entry?.state !== 'compiled') return undefined;
    const store = getParamStore();
    return entry.program.profile({ param: (name) => hostValues(store.variable(name)), arg: (path) => hostValues(argAt(args, path)), root });
  }

  /** A replay of a compiled structure, or undefined: run it eagerly (through `eager`). */
  replay(key: string, args: readonly unknown[], root: Stream): Replayed<M> | undefined {
    const entry = this.#entries.get(key);
    // Inside another computation's recording, run eagerly: that recording must see the kernels.
    if (entry?.state !== 'compiled' || isCapturing()) return undefined;
    if (entry.recheck) return undefined;
    if (!entry.program.externalsAlive) {
      this.#off(key, 'a tensor it read from outside its arguments was disposed (data held in a closure?): pass data as arguments');
      return undefined;
    }
    const store = getParamStore();
    const ok = entry.program.run({
      param: (name) => hostValues(store.variable(name)),
      arg: (path) => hostValues(argAt(args, path)),
      root,
    });
    if (!ok) {
      entry.guardFailures++;
      if (entry.guardFailures >= MAX_GUARD_FAILURES) this.#off(key, `a value read back while it runs (dataSync) differed from the recording's on ${MAX_GUARD_FAILURES} replays`);
      return undefined;
    }
    this.#replays++;
    entry.replays++;
    if (isRecheck(entry.replays)) entry.recheck = true;
    return { outputs: entry.slots.map((s) => entry.program.output(s)), summary: entry.summary };
  }

  /**
   * Run `compute` eagerly, recording it when this structure is due for a recording. Host draws from
   * `covered` streams are allowed: the caller's key accounts for them.
   */
  eager(key: string, args: readonly unknown[], root: Stream, covered: readonly Stream[], compute: () => R): R {
    if (isCapturing()) return compute(); // recordings do not nest
    const entry = this.#entries.get(key);
    if (!entry) {
      // The first run of a structure creates params and warms caches: it is not representative.
      this.#entries.set(key, { state: 'seen' });
      this.#evict();
      return compute();
    }
    if (entry.state === 'eager' || (entry.state === 'compiled' && !entry.recheck)) return compute();
    const store = getParamStore();
    const params = new Map(store.names().map((n) => [store.variable(n).name, n] as const));
    const recording = capture(compute, { args, params, covered });
    if (recording.obstacles.length > 0) {
      this.#off(key, recording.obstacles.join('; '));
      return recording.result;
    }
    if (entry.state === 'compiled') {
      // A re-check: this run must still be the program's computation.
      entry.recheck = false;
      const changed = difference(entry.recording, entry.root, recording, root);
      if (changed) this.#off(key, `${changed}, after ${entry.replays} replays (a re-check; the replays before it used the old computation)`);
      return recording.result;
    }
    if (entry.state === 'seen') {
      this.#entries.set(key, { state: 'recorded', recording, root });
      return recording.result;
    }
    const why = difference(entry.recording, entry.root, recording, root);
    const slots = this.spec.outputs(recording.result).map((t) => recording.slotOf(t));
    if (why || slots.some((s) => s === undefined)) {
      this.#off(key, why ?? 'an output is not made by a recorded kernel');
      return recording.result;
    }
    try {
      const outputs = slots as number[];
      const program = new CompiledProgram(recording, outputs, root, this.addon);
      if (program.bytes > this.maxBytes / 4) {
        const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MB`;
        this.#off(key, `its program would hold ${mb(program.bytes)} of arrays, over a quarter of the ${mb(this.maxBytes)} programs may hold (ROULETTE_COMPILE_MB raises it)`);
        return recording.result;
      }
      this.#entries.set(key, { state: 'compiled', program, slots: outputs, summary: this.spec.summary(recording.result), recording, root, guardFailures: 0, replays: 0, recheck: false });
      this.#fitMemory(key);
    } catch (error) {
      this.#off(key, error instanceof Error ? error.message : String(error));
    }
    return recording.result;
  }

  /** Drop the oldest programs (other than `keep`'s) until all fit in `maxBytes`. */
  #fitMemory(keep: string): void {
    let total = 0;
    for (const e of this.#entries.values()) if (e.state === 'compiled') total += e.program.bytes;
    for (const [key, e] of this.#entries) {
      if (total <= this.maxBytes) break;
      if (key === keep || e.state !== 'compiled') continue;
      total -= e.program.bytes;
      this.#entries.delete(key);
    }
  }

  #evict(): void {
    while (this.#entries.size > this.maxStructures) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  #off(key: string, reason: string): void {
    this.#entries.set(key, { state: 'eager', reason });
    if (this.#told.has(reason)) return;
    this.#told.add(reason);
    this.onNote(`roulette compile: ${this.spec.what} runs eagerly: ${reason} (compile: false turns compilation off)`);
  }
}
