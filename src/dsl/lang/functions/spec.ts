import type { Span } from '../ast.js';
import type { DiagnosticCode } from '../diagnostics.js';
import { broadcast, formatShape, type Dim, type ValueType } from '../static-shapes.js';
import type { RValue } from '../values.js';

/** What a function's static rule sees of an argument: its type and where it is written. */
export interface StaticArg {
  readonly type: ValueType;
  readonly span: Span;
}

/** Report a problem with a call (the checker turns it into a diagnostic; default code 'shape-mismatch'). */
export type Reporter = (span: Span, message: string, hint: string, code?: DiagnosticCode) => void;

export interface FunctionSpec {
  readonly name: string;
  /** One line for references and hints: signature and meaning. */
  readonly summary: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Names that may be given as `name = value` (matched to positions in order). */
  readonly params: readonly string[];
  type(args: readonly StaticArg[], call: Span, report: Reporter): ValueType | undefined;
  run(args: readonly RValue[]): RValue;
}

/** A real value of item shape `item`. */
export const real = (item: readonly Dim[], positive = false): ValueType => ({ item, elem: 'real', ...(positive ? { positive } : {}) });

/** The item dims two arguments broadcast to, or undefined after reporting why they do not. */
export function broadcastOrReport(a: StaticArg, b: StaticArg, at: Span, report: Reporter, what: string): Dim[] | undefined {
  const result = broadcast(a.type.item, b.type.item);
  if ('shape' in result) return result.shape;
  report(
    at,
    `${what}: shapes ${formatShape(a.type.item)} and ${formatShape(b.type.item)} do not broadcast (${String(result.failure.left)} vs ${String(result.failure.right)} in the ${ordinal(result.failure.fromRight)} dim from the right)`,
    'dims are matched from the right and must be equal or 1; index or slice one side, or use matmul for products of matrices',
  );
  return undefined;
}

function ordinal(n: number): string {
  return n === 1 ? 'last' : n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`;
}
