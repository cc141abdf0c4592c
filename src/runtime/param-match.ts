import { produce } from 'immer';
import type { ParamSnapshot } from './param-store.js';
import { sameShape } from './shapes.js';

/**
 * Does a params file belong to a program? Its names and shapes are compared with the params the
 * program makes (each name's unconstrained shape, as a snapshot records it). Params of another
 * program, or of the same program with another guide, would otherwise be used silently: extra ones
 * are carried along unused, missing ones start from fresh values, and a shape that differs broadcasts
 * or fails far from its cause.
 */

export interface ParamMismatch {
  /** Params the program makes that the file lacks. */
  readonly missing: readonly string[];
  /** Params in the file that the program does not make. */
  readonly extra: readonly string[];
  readonly wrongShape: readonly { readonly name: string; readonly expected: readonly number[]; readonly saved: readonly number[] }[];
}

/** The params that match (same name and shape), and what does not. */
export interface ParamComparison extends ParamMismatch {
  readonly matching: readonly string[];
}

export function compareParams(expected: ReadonlyMap<string, readonly number[]>, snapshot: ParamSnapshot): ParamComparison {
  const saved = snapshot.params;
  const matching: string[] = [];
  const missing: string[] = [];
  const wrongShape: { name: string; expected: readonly number[]; saved: readonly number[] }[] = [];
  for (const [name, shape] of expected) {
    const entry = saved[name];
    if (!entry) missing.push(name);
    else if (!sameShape(shape, entry.shape)) wrongShape.push({ name, expected: shape, saved: entry.shape });
    else matching.push(name);
  }
  const extra = Object.keys(saved).filter((name) => !expected.has(name));
  return { matching, missing, extra, wrongShape };
}

export const matches = (m: ParamMismatch): boolean => m.missing.length === 0 && m.extra.length === 0 && m.wrongShape.length === 0;

/** A list that stays readable when a net has hundreds of params. */
function names(list: readonly string[], most = 8): string {
  return list.length <= most ? list.join(', ') : `${list.slice(0, most).join(', ')} and ${list.length - most} more`;
}

const shape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The mismatch in words: missing, extra and wrong-shape names; an empty string when there is none. */
export function describeMismatch(m: ParamMismatch): string {
  const parts: string[] = [];
  if (m.missing.length > 0) parts.push(`missing ${names(m.missing)}`);
  if (m.extra.length > 0) parts.push(`not params of this program: ${names(m.extra)}`);
  if (m.wrongShape.length > 0) {
    const shown = m.wrongShape.slice(0, 8).map((w) => `${w.name} (saved ${shape(w.saved)}, the program's ${shape(w.expected)})`);
    parts.push(`other shapes: ${shown.join(', ')}${m.wrongShape.length > 8 ? ` and ${m.wrongShape.length - 8} more` : ''}`);
  }
  return parts.join('; ');
}

/**
 * Where the file's guide differs from the one in use, the hint that says so: automatic guides name
 * their params `auto.*`, and a joint family has params a diagonal one lacks (`auto.tril`).
 */
export function guideHint(m: ParamMismatch, snapshot: ParamSnapshot, guideInUse: string | undefined): string {
  const involved = [...m.missing, ...m.extra, ...m.wrongShape.map((w) => w.name)];
  const saved = snapshot.meta?.guide;
  if (saved !== undefined && guideInUse !== undefined && saved !== guideInUse) {
    return `the file was fitted with --guide ${saved === 'file' ? "the program's guide block (no --guide)" : saved} and this run uses ${guideInUse === 'file' ? "the program's guide block" : guideInUse}; ${saved === 'file' ? 'leave out --guide' : `pass --guide ${saved}`}`;
  }
  if (saved === undefined && involved.some((n) => n.startsWith('auto.'))) {
    return 'params named auto.* belong to an automatic guide: pass the --guide auto:<family> they were fitted with';
  }
  return '';
}

/** The snapshot with only the named params (and no optimiser state for the others). */
export function onlyParams(snapshot: ParamSnapshot, keep: readonly string[]): ParamSnapshot {
  const kept = new Set(keep);
  return produce(snapshot, (draft) => {
    for (const name of Object.keys(draft.params)) if (!kept.has(name)) delete (draft.params as Record<string, unknown>)[name];
    if (draft.optimizer) for (const name of Object.keys(draft.optimizer.slots)) if (!kept.has(name)) delete (draft.optimizer.slots as Record<string, unknown>)[name];
  });
}
