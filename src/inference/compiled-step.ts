import { Compiler } from '../runtime/compile/compiler.js';
import type { Values } from '../runtime/compile/capture.js';
import type { NativeAddon } from '../runtime/fast/addon.js';
import { getParamStore } from '../runtime/param-store.js';
import type { Stream } from '../runtime/rng.js';
import type { StepStructure } from './estimator.js';
import type { GradientTensors } from './gradients.js';
import { argsSignature } from './program.js';

/**
 * Compiled gradient steps (docs/compile.md): `gradientTensors` through a `Compiler`, keyed by the
 * arguments' shapes, the params' names and shapes and the estimators' host-drawn structure.
 */

/** What a replayed step produced: gradient values by param, and the two scalars. */
export interface ReplayedGradients {
  readonly grads: ReadonlyMap<string, Values>;
  readonly loss: number;
  readonly objective: number;
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

interface StepSummary {
  readonly names: readonly string[];
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

/**
 * Whether svi and gradients compile when their options do not say: yes, unless the environment sets
 * ROULETTE_COMPILE=0 (which runs a whole program, or test suite, eagerly).
 */
export function compileByDefault(): boolean {
  return globalThis.process?.env?.['ROULETTE_COMPILE'] !== '0';
}

/** The params' names and shapes: a step's kernels depend on them. */
export function paramSignature(): string {
  const store = getParamStore();
  return store
    .names()
    .map((n) => `${n}:${store.variable(n).shape.join('x')}`)
    .join(',');
}

export class StepCompiler {
  readonly #compiler: Compiler<GradientTensors, StepSummary>;

  constructor(addon: NativeAddon | undefined, onNote?: (note: string) => void) {
    this.#compiler = new Compiler<GradientTensors, StepSummary>(
      {
        what: 'this step',
        outputs: (r) => [...Object.values(r.grads), r.loss, r.objective],
        summary: (r) => ({ names: Object.keys(r.grads), cost: r.cost, stats: r.stats }),
      },
      addon,
      onNote,
    );
  }

  /** The structure key of a step on `args` whose estimators report `structure`. */
  key(args: readonly unknown[], structure: StepStructure): string {
    return `${argsSignature(args)}|${paramSignature()}|${structure.key}`;
  }

  /** What the compiler does with this structure now: 'compiled', 'recording', or why it stays eager. */
  status(key: string): string {
    return this.#compiler.status(key);
  }

  /** Where a compiled structure's replay spends its time (see `CompiledProgram.profile`). */
  profile(key: string, args: readonly unknown[], stream: Stream): [string, number][] | undefined {
    return this.#compiler.profile(key, args, stream);
  }

  /** A replay of a compiled structure, or undefined: run the step eagerly (through `eager`). */
  replay(key: string, args: readonly unknown[], stream: Stream): ReplayedGradients | undefined {
    const r = this.#compiler.replay(key, args, stream);
    if (!r) return undefined;
    const { names, cost, stats } = r.summary;
    const n = names.length;
    return {
      grads: new Map(names.map((name, i) => [name, r.outputs[i]!] as const)),
      loss: r.outputs[n]![0]!,
      objective: r.outputs[n + 1]![0]!,
      cost,
      stats,
    };
  }

  /** Run `compute` eagerly, recording it when this structure is due for a recording. */
  eager(key: string, args: readonly unknown[], stream: Stream, structure: StepStructure, compute: () => GradientTensors): GradientTensors {
    return this.#compiler.eager(key, args, stream, structure.streams, compute);
  }
}

