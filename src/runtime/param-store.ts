import * as tf from '@tensorflow/tfjs';
import { freeze } from 'immer';
import { biject, namedConstraints, type Constraint } from './constraints.js';
import { fail } from './errors.js';
import type { ParamRole } from './messages.js';

/** A plain-data picture of a store: what `save` writes and `restore` reads. Frozen (immer). */
export interface ParamSnapshot {
  readonly format: 'roulette-params';
  readonly version: 1;
  readonly params: Readonly<Record<string, SnapshotEntry>>;
  /** How the params were made, when the writer said (roulette fit does). */
  readonly meta?: ParamFileMeta;
  /** The optimiser's state when the params were saved, so that a fit can resume where it stopped. */
  readonly optimizer?: OptimizerSnapshot;
}

/** What a params file says about how its params were made. */
export interface ParamFileMeta {
  /** The program file. */
  readonly program?: string;
  /** The guide: 'file' (the program's own guide) or 'auto:<family>' (an automatic guide). */
  readonly guide?: string;
  readonly estimator?: string;
  /** Optimisation steps taken in all (a resumed fit continues the count). */
  readonly steps?: number;
}

/**
 * An optimiser's state as plain data: its step count and its slots (Adam's moments `m` and `v`, ...)
 * per param name, in unconstrained space, flattened row-major.
 */
export interface OptimizerSnapshot {
  readonly name: string;
  readonly iterations: number;
  readonly slots: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
}

/** What a params file may hold besides the params. */
export interface ParamFileExtras {
  readonly meta?: ParamFileMeta;
  readonly optimizer?: OptimizerSnapshot;
}

export interface SnapshotEntry {
  readonly shape: readonly number[];
  readonly constraint: string;
  readonly role: ParamRole | null;
  /** Values in unconstrained space (what the optimiser moves). */
  readonly unconstrained: readonly number[];
  /** The same values after the constraint's transform, for people reading the file. */
  readonly value: readonly number[];
}

interface Entry {
  readonly variable: tf.Variable;
  /** Undefined after `restore` of a parameterised constraint, until the program names it again. */
  constraint: Constraint | undefined;
  role: ParamRole | undefined;
  /** What a snapshot said of a param whose constraint is not attached yet (kept for re-saving). */
  restored?: SnapshotEntry;
  /** Loaded from a snapshot and not yet named by a program (whose initial value's shape is then checked). */
  loaded?: boolean;
}

export type ParamInit = tf.Tensor | number | (() => tf.Tensor);

let variableCounter = 0;

/**
 * Learnable parameters: each a `tf.Variable` in unconstrained space, mapped into its constraint set on
 * every read, and tagged with the program (model or guide) that created it.
 *
 * @example
 * const store = new ParamStore();
 * const s = store.value('sigma', 1, positive); // a positive tensor backed by log(1)
 */
export class ParamStore {
  readonly #entries = new Map<string, Entry>();

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  names(role?: ParamRole): string[] {
    return [...this.#entries]
      .filter(([, e]) => role === undefined || e.role === role)
      .map(([name]) => name);
  }

  /** The unconstrained variable behind `name` (what optimisers update). */
  variable(name: string): tf.Variable {
    return this.#entry(name).variable;
  }

  role(name: string): ParamRole | undefined {
    return this.#entry(name).role;
  }

  constraint(name: string): Constraint | undefined {
    return this.#entry(name).constraint;
  }

  /**
   * The constrained value of `name`, creating it from `init` on first use. A new tensor on every
   * call (differentiable w.r.t. the variable): call it inside `tf.tidy`.
   */
  value(name: string, init: ParamInit | undefined, constraint: Constraint, role?: ParamRole): tf.Tensor {
    let entry = this.#entries.get(name);
    if (!entry) {
      if (init === undefined) {
        fail('param-error', `param '${name}' does not exist and no initial value was given`, name);
      }
      entry = this.#create(name, init, constraint, role);
    } else {
      this.#reconcile(name, entry, constraint, role);
    }
    const transform = biject(entry.constraint ?? constraint, `param '${name}'`);
    const value = transform.forward(entry.variable);
    if (entry.loaded && init !== undefined && typeof init !== 'function') this.#checkLoadedShape(name, entry, init, value);
    return value;
  }

  /**
   * A loaded param the program makes with another shape belongs to another program (or another
   * guide): using it would broadcast silently or fail far away. Checked once, for initial values given
   * as numbers or tensors (a function is not called: it would draw random numbers).
   */
  #checkLoadedShape(name: string, entry: Entry, init: number | tf.Tensor, value: tf.Tensor): void {
    delete entry.loaded;
    const expected = typeof init === 'number' ? [] : init.shape;
    if (tf.util.arraysEqual(expected, value.shape)) return;
    value.dispose();
    fail(
      'param-error',
      `param '${name}' was loaded with shape [${value.shape.join(', ')}], but the program makes it with shape [${expected.join(', ')}]: ` +
        'the params come from another program (or another guide); load params saved by this program, or clear the store to start afresh',
      name,
    );
  }

  #entry(name: string): Entry {
    const entry = this.#entries.get(name);
    if (!entry) fail('param-error', `no param named '${name}' in the store (known: ${this.names().join(', ') || 'none'})`, name);
    return entry;
  }

  #create(name: string, init: ParamInit, constraint: Constraint, role: ParamRole | undefined): Entry {
    const transform = biject(constraint, `param '${name}'`);
    const variable = tf.tidy(() => {
      const initial = typeof init === 'function' ? init() : typeof init === 'number' ? tf.scalar(init) : init;
      if (initial.dtype !== 'float32') {
        fail('param-error', `param '${name}': initial value must be float32, got ${initial.dtype}`, name);
      }
      const inside = constraint.check(initial).all().dataSync()[0] === 1;
      if (!inside) {
        fail('param-error', `param '${name}': initial value is not in ${constraint.describe()}`, name);
      }
      const unconstrained = transform.inverse(initial);
      if (!(tf.all(tf.isFinite(unconstrained)).dataSync()[0] === 1)) {
        fail('param-error', `param '${name}': initial value lies on the boundary of ${constraint.describe()}`, name);
      }
      return tf.variable(unconstrained, true, `${name}#${variableCounter++}`);
    });
    const entry: Entry = { variable, constraint, role };
    this.#entries.set(name, entry);
    return entry;
  }

  #reconcile(name: string, entry: Entry, constraint: Constraint, role: ParamRole | undefined): void {
    if (entry.constraint === undefined) {
      entry.constraint = constraint;
      delete entry.restored;
    } else if (entry.constraint !== constraint && entry.constraint.name !== constraint.name) {
      fail(
        'param-error',
        `param '${name}' was created with constraint ${entry.constraint.name} but is now used with ` +
          `${constraint.name}; give each param one constraint`,
        name,
      );
    }
    if (entry.role === undefined) entry.role = role;
  }

  /**
   * Write every param to `path` as JSON, atomically (Node only), with `extras` (how they were made, an
   * optimiser's state). A symbolic link is written through; a directory, device or FIFO is refused.
   */
  async save(path: string, extras?: ParamFileExtras): Promise<void> {
    const { saveParams } = await import('./param-io.js');
    await saveParams(this, path, extras);
  }

  /** Read params saved by `save` (Node only); see `restore`. */
  async load(path: string): Promise<void> {
    const { loadParams } = await import('./param-io.js');
    await loadParams(this, path);
  }

  /** Remove every param (disposing its variable). */
  clear(): void {
    for (const entry of this.#entries.values()) entry.variable.dispose();
    this.#entries.clear();
  }

  /** A frozen plain-data copy of every param. */
  snapshot(): ParamSnapshot {
    const params: Record<string, SnapshotEntry> = {};
    for (const [name, entry] of this.#entries) {
      if (entry.restored && entry.constraint === undefined) {
        params[name] = { ...entry.restored, unconstrained: Array.from(entry.variable.dataSync()) };
        continue;
      }
      const value = tf.tidy(() =>
        entry.constraint ? biject(entry.constraint, name).forward(entry.variable).dataSync() : entry.variable.dataSync(),
      );
      params[name] = {
        shape: [...entry.variable.shape],
        constraint: entry.constraint?.name ?? 'real',
        role: entry.role ?? null,
        unconstrained: Array.from(entry.variable.dataSync()),
        value: Array.from(value),
      };
    }
    return freeze({ format: 'roulette-params', version: 1, params }, true);
  }

  /**
   * Load values from a snapshot: existing params are overwritten in place (so optimisers keep their
   * variables); new ones are created, with named constraints restored and parameterised ones
   * (interval(a, b), ...) attached when the program next names the param.
   */
  restore(snapshot: ParamSnapshot): void {
    if (snapshot.format !== 'roulette-params' || snapshot.version !== 1) {
      fail('param-error', `not a roulette params snapshot (format ${String(snapshot.format)})`);
    }
    for (const [name, saved] of Object.entries(snapshot.params)) {
      const values = tf.tensor(saved.unconstrained as number[], saved.shape as number[], 'float32');
      const existing = this.#entries.get(name);
      if (existing) {
        if (!tf.util.arraysEqual(existing.variable.shape, saved.shape as number[])) {
          values.dispose();
          fail(
            'param-error',
            `param '${name}' has shape [${existing.variable.shape.join(', ')}] but the snapshot holds ` +
              `[${saved.shape.join(', ')}]`,
            name,
          );
        }
        existing.variable.assign(values);
        values.dispose();
        existing.loaded = true;
        continue;
      }
      const named = (namedConstraints as Record<string, Constraint>)[saved.constraint];
      const variable = tf.variable(values, true, `${name}#${variableCounter++}`);
      values.dispose();
      const entry: Entry = { variable, constraint: named, role: saved.role ?? undefined, loaded: true };
      if (!named) entry.restored = saved;
      this.#entries.set(name, entry);
    }
  }
}

let current = new ParamStore();

/** The store that `param` reads and creates in (one per process unless replaced). */
export function getParamStore(): ParamStore {
  return current;
}

/** Use `store` as the global param store; returns the previous one. */
export function setParamStore(store: ParamStore): ParamStore {
  const previous = current;
  current = store;
  return previous;
}

/** Dispose and forget every param in the global store. */
export function clearParamStore(): void {
  current.clear();
}
