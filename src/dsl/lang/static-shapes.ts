/**
 * Shapes as the checker sees them: each dim is a number, a size name bound from the data ('N'), or
 * unknown (null: computed from sizes in a way the checker does not follow). Only what is known is
 * checked; the rest is checked when the program runs.
 */
export type Dim = number | string | null;

/** Element types: what a value's entries are (bool within int within real). */
export type Elem = 'real' | 'int' | 'bool';

/** The static type of an expression's value: its item shape (the dims it has per plate element). */
export interface ValueType {
  readonly item: readonly Dim[];
  readonly elem: Elem;
  /** The value, when the checker can compute it (a constant scalar). */
  readonly constant?: number;
  /** A scalar integer that can serve as a size: a constant, or a size name. */
  readonly asDim?: Dim;
  /** Known to be positive (a positive param, exp(...), a lognormal draw, ...). */
  readonly positive?: boolean;
}

export function formatDim(d: Dim): string {
  return d === null ? '?' : String(d);
}

export function formatShape(dims: readonly Dim[]): string {
  return `[${dims.map(formatDim).join(', ')}]`;
}

/** 'yes', 'no', or 'unknown' (a size name against a number, or an unknown dim). */
export function sameDim(a: Dim, b: Dim): 'yes' | 'no' | 'unknown' {
  if (a === null || b === null) return 'unknown';
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 'yes' : 'no';
  if (typeof a === 'string' && typeof b === 'string' && a === b) return 'yes';
  return 'unknown';
}

export interface BroadcastFailure {
  /** Dim index counted from the right (1 = last). */
  readonly fromRight: number;
  readonly left: Dim;
  readonly right: Dim;
}

/** Right-aligned broadcasting of item shapes; unknown pairs are assumed compatible. */
export function broadcast(a: readonly Dim[], b: readonly Dim[]): { shape: Dim[] } | { failure: BroadcastFailure } {
  const n = Math.max(a.length, b.length);
  const shape: Dim[] = new Array<Dim>(n);
  for (let i = 1; i <= n; i++) {
    const x = i <= a.length ? a[a.length - i]! : 1;
    const y = i <= b.length ? b[b.length - i]! : 1;
    let d: Dim;
    if (x === 1) d = y;
    else if (y === 1) d = x;
    else {
      const same = sameDim(x, y);
      if (same === 'no') return { failure: { fromRight: i, left: x, right: y } };
      // A known number is more useful than a name or an unknown (they must agree at run time).
      d = typeof x === 'number' ? x : typeof y === 'number' ? y : x ?? y;
    }
    shape[n - i] = d;
  }
  return { shape };
}

/** Does `inner` broadcast up to exactly `outer` (trailing alignment, outer may have more dims)? */
export function broadcastsTo(inner: readonly Dim[], outer: readonly Dim[]): boolean {
  if (inner.length > outer.length) return false;
  for (let i = 1; i <= inner.length; i++) {
    const x = inner[inner.length - i]!;
    const y = outer[outer.length - i]!;
    if (x !== 1 && sameDim(x, y) === 'no') return false;
  }
  return true;
}

/** Are two shapes the same where known? */
export function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]!) !== 'no');
}

export function widerElem(a: Elem, b: Elem): Elem {
  if (a === 'real' || b === 'real') return 'real';
  return 'int';
}
