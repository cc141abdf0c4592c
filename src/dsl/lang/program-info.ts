import type { CallExpr, DataDecl, NameRef, SampleStmt } from './ast.js';
import type { Support } from './distributions.js';
import type { Dim, Elem } from './static-shapes.js';

/**
 * What the checker learnt about a program and the lowering needs: what each name refers to, which
 * plates index it, how plates nest, and which sites each block has. Plain data keyed by AST nodes.
 */

export type Role = 'model' | 'guide';

/** What a name in an expression refers to. */
export interface Resolution {
  readonly kind: 'data' | 'param' | 'const' | 'size' | 'local' | 'latent';
  readonly name: string;
  /**
   * Plates (outermost first) that index this value's leading item dims at this use: inside
   * `plate data(N)`, a value declared with leading dim N is seen one datapoint at a time.
   */
  readonly gathers: readonly string[];
}

export interface SampleInfo {
  /** True when the target is data: the statement observes it. */
  readonly observed: boolean;
  /** For observations: the plates that index the data (as in `Resolution.gathers`). */
  readonly gathers: readonly string[];
}

export interface PlateInfo {
  readonly name: string;
  /** The plate it is nested in, if any (the same in model and guide: the checker enforces it). */
  readonly parent: string | undefined;
  /**
   * The batch dim it owns, counted from the right. Outer plates get the dims further left, so data
   * laid out [N, M] lines up with `plate i(N) { plate j(M) { ... } }` without transposes.
   */
  readonly dim: number;
  readonly size: Dim;
}

export interface LatentInfo {
  readonly name: string;
  /** Enclosing plates, outermost first. */
  readonly plates: readonly string[];
  readonly item: readonly Dim[];
  readonly support: Support;
}

export interface DataVariableInfo {
  readonly name: string;
  readonly elem: Elem;
  /** Declared dims: numbers, or size names bound from the data. */
  readonly dims: readonly (number | string)[];
  readonly decl: DataDecl;
}

export interface ProgramInfo {
  readonly resolutions: ReadonlyMap<NameRef, Resolution>;
  readonly samples: ReadonlyMap<SampleStmt, SampleInfo>;
  /** Calls of declared nets (the other calls are built-in functions). */
  readonly netCalls: ReadonlySet<CallExpr>;
  readonly plates: ReadonlyMap<string, PlateInfo>;
  readonly data: readonly DataVariableInfo[];
  readonly latents: { readonly model: readonly LatentInfo[]; readonly guide: readonly LatentInfo[] };
  readonly hasGuide: boolean;
}
