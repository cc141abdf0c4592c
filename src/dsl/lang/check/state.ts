import type { BlockDecl, CallExpr, DataDecl, NameRef, ParamDecl, SampleStmt, Span } from '../ast.js';
import type { SiteRecord } from '../check-agreement.js';
import { Typer, type NetType } from '../check-expr.js';
import { diagnostic, type Diagnostic, type DiagnosticCode, type Severity } from '../diagnostics.js';
import type { Bounds, ParamTypeName } from '../param-types.js';
import { PlateRegistry } from '../plate-registry.js';
import type { Resolution, Role, SampleInfo } from '../program-info.js';
import type { Dim, Elem, ValueType } from '../static-shapes.js';
import { typerContext } from './names.js';

/** A name declared at the top of the file (or a size named in a data shape). */
export type Global =
  | { readonly kind: 'data'; readonly name: string; readonly span: Span; readonly decl: DataDecl; readonly item: readonly Dim[]; readonly elem: Elem; used: boolean }
  | {
      readonly kind: 'param';
      readonly name: string;
      readonly span: Span;
      readonly decl: ParamDecl;
      readonly item: readonly Dim[];
      readonly type: ParamTypeName;
      readonly bounds: Bounds;
      readonly usedBy: Set<Role>;
    }
  | { readonly kind: 'net'; readonly name: string; readonly span: Span; readonly net: NetType; readonly usedBy: Set<Role> }
  | { readonly kind: 'const'; readonly name: string; readonly span: Span; readonly type: ValueType }
  | { readonly kind: 'size'; readonly name: string; readonly span: Span };

/** A name bound inside a block. */
export interface Binding {
  readonly kind: 'local' | 'latent';
  readonly name: string;
  /** Undefined when its definition had an error (uses are then not reported again). */
  readonly type: ValueType | undefined;
  readonly span: Span;
}

export interface PlateContext {
  readonly name: string;
  readonly size: Dim;
}

export class Scope {
  readonly names = new Map<string, Binding>();
  constructor(
    readonly parent: Scope | undefined,
    readonly plate: PlateContext | undefined,
  ) {}
}

/** Name resolution modes: what a name may refer to where it is used. */
export type Mode = 'const' | 'init' | 'block';

export const kindWord: Record<Global['kind'], string> = { data: 'data', param: 'a param', net: 'a net', const: 'a const', size: 'a size' };
export const kindNoun: Record<Global['kind'], string> = { data: 'data', param: 'param', net: 'net', const: 'const', size: 'size' };

export function article(g: Global): string {
  return g.kind === 'data' ? `data '${g.name}'` : `${kindWord[g.kind]} '${g.name}'`;
}

/**
 * What the checker knows so far, shared by its parts (declarations, names, blocks, the file as a
 * whole): the diagnostics, the declared names, the scope and mode of the statement being checked, and
 * what it records for the lowering.
 */
export class CheckState {
  readonly diagnostics: Diagnostic[] = [];
  readonly globals = new Map<string, Global>();
  readonly resolutions = new Map<NameRef, Resolution>();
  readonly samples = new Map<SampleStmt, SampleInfo>();
  readonly netCalls = new Set<CallExpr>();
  readonly plates = new PlateRegistry();
  readonly sites: Record<Role, Map<string, SiteRecord>> = { model: new Map(), guide: new Map() };
  readonly blocks: Partial<Record<Role, BlockDecl>> = {};
  /** Every name each block binds (for "defined later / inside a plate / in the other block" hints). */
  readonly bindings: Record<Role, Map<string, { span: Span; plate: string | undefined }>> = { model: new Map(), guide: new Map() };
  mode: Mode = 'const';
  role: Role | undefined;
  scope: Scope | undefined;
  readonly typer: Typer;

  constructor() {
    this.typer = new Typer(typerContext(this));
  }

  report(code: DiagnosticCode, span: Span, message: string, hint: string, severity: Severity = 'error'): void {
    this.diagnostics.push(diagnostic(code, span, message, hint, severity));
  }

  /** For helpers that report whole diagnostics. */
  readonly push = (d: Diagnostic): void => {
    this.diagnostics.push(d);
  };
}
