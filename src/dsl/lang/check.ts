import type {
  AssignStmt,
  BlockDecl,
  CallExpr,
  ConstDecl,
  DataDecl,
  Expr,
  FactorStmt,
  NameRef,
  NetDecl,
  ParamDecl,
  PlateStmt,
  Program,
  SampleStmt,
  Span,
  Statement,
} from './ast.js';
import { bindArguments } from './bind-args.js';
import { checkDistribution, isPositiveSupport } from './check-dist.js';
import { Typer, type NetType } from './check-expr.js';
import { fail, kindOf } from '../../runtime/errors.js';
import { closest } from '../../runtime/names.js';
import { diagnostic, fileStart, hasErrors, suggestion, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics.js';
import { checkAgreement, type SiteRecord } from './check-agreement.js';
import { describeSupport, DISTRIBUTIONS } from './distributions.js';
import { PlateRegistry, type PlateRecord } from './plate-registry.js';
import { FUNCTIONS } from './functions.js';
import { ACTIVATIONS, NET_BUILDERS } from './nets.js';
import { admitsConstant, DATA_TYPES, describeParamType, PARAM_TYPES, type Bounds, type DataTypeName, type ParamTypeName } from './param-types.js';
import { parse } from './parse.js';
import type { LatentInfo, ProgramInfo, Resolution, Role, SampleInfo } from './program-info.js';
import { broadcastsTo, formatShape, sameDim, type Dim, type Elem, type ValueType } from './static-shapes.js';

export interface CheckOptions {
  /** Accept a file without a `guide { }` block (an automatic guide will be supplied). Default false. */
  readonly guideOptional?: boolean;
  /**
   * Accept declared data the program never uses (default false: an error, since a misspelt
   * observation, `yy ~ ...` for data `y`, would otherwise fit the prior without a word).
   */
  readonly allowUnusedData?: boolean;
}

export interface CheckResult {
  /** The syntax tree, when the file parsed. */
  readonly ast: Program | undefined;
  /** Every problem found (lexing, parsing, then checking), in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** What the lowering needs; present when there are no errors. */
  readonly info: ProgramInfo | undefined;
}

type Global =
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

interface Binding {
  readonly kind: 'local' | 'latent';
  readonly name: string;
  /** Undefined when its definition had an error (uses are then not reported again). */
  readonly type: ValueType | undefined;
  readonly span: Span;
}

interface PlateContext {
  readonly name: string;
  readonly size: Dim;
}

class Scope {
  readonly names = new Map<string, Binding>();
  constructor(
    readonly parent: Scope | undefined,
    readonly plate: PlateContext | undefined,
  ) {}
}

/** Name resolution modes: what a name may refer to where it is used. */
type Mode = 'const' | 'init' | 'block';

const kindWord: Record<Global['kind'], string> = { data: 'data', param: 'a param', net: 'a net', const: 'a const', size: 'a size' };
const kindNoun: Record<Global['kind'], string> = { data: 'data', param: 'param', net: 'net', const: 'const', size: 'size' };

function article(g: Global): string {
  return g.kind === 'data' ? `data '${g.name}'` : `${kindWord[g.kind]} '${g.name}'`;
}

/**
 * The checker: names (defined once, before use, in scope), types and shapes (statically known dims),
 * distributions and their arguments, model/guide agreement (same latents, shapes, plates, supports),
 * observations (only of data, in plates that match the data), and plate consistency.
 */
class Checker {
  readonly #diagnostics: Diagnostic[] = [];
  readonly #globals = new Map<string, Global>();
  readonly #resolutions = new Map<NameRef, Resolution>();
  readonly #samples = new Map<SampleStmt, SampleInfo>();
  readonly #netCalls = new Set<CallExpr>();
  readonly #plates = new PlateRegistry();
  readonly #sites: Record<Role, Map<string, SiteRecord>> = { model: new Map(), guide: new Map() };
  readonly #blocks: Partial<Record<Role, BlockDecl>> = {};
  /** Every name each block binds (for "defined later / inside a plate / in the other block" hints). */
  readonly #bindings: Record<Role, Map<string, { span: Span; plate: string | undefined }>> = { model: new Map(), guide: new Map() };
  #mode: Mode = 'const';
  #role: Role | undefined;
  #scope: Scope | undefined;
  readonly #typer: Typer;

  constructor(
    private readonly program: Program,
    private readonly options: CheckOptions,
  ) {
    this.#typer = new Typer({
      value: (ref) => this.#value(ref),
      net: (name, call) => this.#net(name, call),
      isValue: (name) => this.#isValue(name),
      netNames: () => [...this.#globals.values()].filter((g) => g.kind === 'net').map((g) => g.name),
      report: (d) => this.#diagnostics.push(d),
    });
  }

  #report(code: DiagnosticCode, span: Span, message: string, hint: string, severity: Severity = 'error'): void {
    this.#diagnostics.push(diagnostic(code, span, message, hint, severity));
  }

  run(): { diagnostics: Diagnostic[]; info: ProgramInfo | undefined } {
    this.#collectSizes();
    for (const decl of this.program.declarations) {
      switch (decl.kind) {
        case 'data':
          this.#data(decl);
          break;
        case 'const':
          this.#const(decl);
          break;
        case 'param':
          this.#param(decl);
          break;
        case 'net':
          this.#netDecl(decl);
          break;
        case 'model':
        case 'guide':
          if (this.#blocks[decl.kind]) {
            this.#report('duplicate-block', decl.keyword, `a second ${decl.kind} block`, `merge the statements into the ${decl.kind} block at line ${this.#blocks[decl.kind]!.span.start.line}`);
          } else {
            this.#blocks[decl.kind] = decl;
          }
          break;
      }
    }
    for (const role of ['guide', 'model'] as const) {
      const block = this.#blocks[role];
      if (!block) continue;
      this.#collectBindings(role, block.body, undefined);
    }
    for (const role of ['model', 'guide'] as const) {
      const block = this.#blocks[role];
      if (block) this.#block(role, block);
    }
    this.#structure();
    const info = hasErrors(this.#diagnostics) ? undefined : this.#info();
    return { diagnostics: this.#diagnostics, info };
  }

  // ---------------------------------------------------------------------------------------------
  // Declarations

  /** Plain names in data shapes bind sizes; collect them first so declaration order does not matter. */
  #collectSizes(): void {
    const consts = new Set(this.program.declarations.filter((d): d is ConstDecl => d.kind === 'const').map((d) => d.name.name));
    for (const decl of this.program.declarations) {
      if (decl.kind !== 'data') continue;
      for (const dim of decl.shape) {
        if (dim.kind === 'name' && !consts.has(dim.name) && !this.#globals.has(dim.name)) {
          this.#globals.set(dim.name, { kind: 'size', name: dim.name, span: dim.span });
        }
      }
    }
  }

  #define(global: Global): void {
    const existing = this.#globals.get(global.name);
    if (global.name === '') return;
    if (existing) {
      const where = existing.kind === 'size' ? `as a size in a data shape (line ${existing.span.start.line})` : `as ${kindWord[existing.kind]} at line ${existing.span.start.line}`;
      this.#report('duplicate-name', global.span, `'${global.name}' is already defined ${where}`, 'give it another name');
      return;
    }
    if (global.kind === 'net' && FUNCTIONS.has(global.name)) {
      this.#report('duplicate-name', global.span, `'${global.name}' is a built-in function`, 'give the net another name');
      return;
    }
    this.#globals.set(global.name, global);
  }

  #dims(shape: readonly Expr[], what: string): Dim[] | undefined {
    const dims: Dim[] = [];
    for (const e of shape) {
      const t = this.#typer.typeOf(e);
      if (!t) return undefined;
      if (t.asDim === undefined) {
        if (t.constant !== undefined) {
          this.#report('invalid-value', e.span, `${what}: ${t.constant} is not a valid size`, 'sizes are positive integers');
        } else {
          this.#report('not-constant', e.span, `${what}: a size must be a positive integer constant or a size name`, 'write e.g. [N, 784], [K], [2 * D]');
        }
        return undefined;
      }
      dims.push(t.asDim);
    }
    return dims;
  }

  #data(decl: DataDecl): void {
    this.#mode = 'const';
    const element = decl.element.name;
    let elem: Elem = 'real';
    if (!(DATA_TYPES as readonly string[]).includes(element)) {
      const hint = (PARAM_TYPES as readonly string[]).includes(element)
        ? `data holds real, int or bool values; constraints such as '${element}' are for params`
        : suggestion(element, DATA_TYPES, 'data type');
      this.#report('unknown-type', decl.element.span, `unknown data type '${element}'`, hint);
    } else {
      elem = element as DataTypeName;
    }
    let item = this.#dims(decl.shape, `data '${decl.name.name}'`);
    const computed = item?.findIndex((d) => d === null) ?? -1;
    if (item && computed >= 0) {
      this.#report('not-constant', decl.shape[computed]!.span, `data '${decl.name.name}': a data dim must be a number, a const or a size name`, 'sizes are read from the data; name them (data x: real[N, D]) and compute with them elsewhere');
      item = undefined;
    }
    this.#define({ kind: 'data', name: decl.name.name, span: decl.name.span, decl, item: item ?? decl.shape.map(() => null), elem, used: false });
  }

  #const(decl: ConstDecl): void {
    this.#mode = 'const';
    const type = this.#typer.typeOf(decl.value);
    if (type) this.#define({ kind: 'const', name: decl.name.name, span: decl.name.span, type });
  }

  #param(decl: ParamDecl): void {
    this.#mode = 'const';
    // A param with an error is still declared (with what is known), so its uses are not reported again.
    const typeName = decl.type.name.name;
    let type: ParamTypeName = 'real';
    if (!(PARAM_TYPES as readonly string[]).includes(typeName)) {
      const hint = typeName === 'int' || typeName === 'bool' ? 'params are continuous: real, positive, unit, simplex or cholesky' : suggestion(typeName, PARAM_TYPES, 'param type');
      this.#report('unknown-type', decl.type.name.span, `unknown param type '${typeName}'`, hint);
    } else {
      type = typeName as ParamTypeName;
    }
    const bounds = this.#bounds(decl, type) ?? { lower: undefined, upper: undefined };
    const item = this.#dims(decl.type.shape, `param '${decl.name.name}'`) ?? decl.type.shape.map(() => null);
    this.#define({ kind: 'param', name: decl.name.name, span: decl.name.span, decl, item, type, bounds, usedBy: new Set() });
    if (type === 'simplex' && item.length === 0) {
      this.#report('shape-mismatch', decl.type.span, `a simplex param needs a shape: the categories are its last dim`, `write simplex[K]`);
      return;
    }
    if (type === 'cholesky' && (item.length < 2 || sameDim(item[item.length - 1]!, item[item.length - 2]!) === 'no')) {
      this.#report('shape-mismatch', decl.type.span, `a cholesky param is a square matrix, got shape ${formatShape(item)}`, 'write cholesky[D, D]');
      return;
    }
    if (decl.init) {
      this.#mode = 'init';
      const init = this.#typer.typeOf(decl.init);
      if (!init) return;
      if (!broadcastsTo(init.item, item)) {
        this.#report('shape-mismatch', decl.init.span, `the initial value has shape ${formatShape(init.item)}, which does not fit the declared shape ${formatShape(item)}`, 'give a number, or an array of the declared shape');
        return;
      }
      if (init.constant !== undefined && !admitsConstant(type, bounds, init.constant)) {
        this.#report('invalid-value', decl.init.span, `initial value ${init.constant} is not ${describeParamType(type, bounds)}`, 'start inside the set the param lives in');
      }
    }
  }

  #bounds(decl: ParamDecl, type: ParamTypeName): Bounds | undefined {
    const args = decl.type.args;
    if (args.length === 0) return { lower: undefined, upper: undefined };
    if (type !== 'real') {
      this.#report('unknown-argument', args[0]!.span, `only 'real' takes bounds; '${type}' has fixed ones`, 'write real(lower = 0) or real(lower = 0, upper = 1)');
      return undefined;
    }
    const bound = bindArguments(args, { what: 'real', positional: [], names: ['lower', 'upper'] }, (d) => this.#diagnostics.push(d));
    if (!bound) return undefined;
    const value = (key: 'lower' | 'upper'): number | undefined | false => {
      const a = bound.get(key);
      if (!a) return undefined;
      const t = this.#typer.typeOf(a.value);
      if (!t) return false;
      if (t.constant === undefined) {
        this.#report('not-constant', a.value.span, `the ${key} bound must be a constant`, `write e.g. real(${key} = 0)`);
        return false;
      }
      return t.constant;
    };
    const lower = value('lower');
    const upper = value('upper');
    if (lower === false || upper === false) return undefined;
    if (lower !== undefined && upper !== undefined && !(lower < upper)) {
      this.#report('invalid-value', decl.type.span, `the bounds are empty: lower ${lower} is not below upper ${upper}`, 'swap them');
      return undefined;
    }
    return { lower, upper };
  }

  #netDecl(decl: NetDecl): void {
    this.#mode = 'const';
    const net = this.#netType(decl);
    this.#define({ kind: 'net', name: decl.name.name, span: decl.name.span, net: net ?? { name: decl.name.name, inputs: null, outputs: null }, usedBy: new Set() });
  }

  /** The net's input and output sizes, or undefined after reporting what is wrong. */
  #netType(decl: NetDecl): NetType | undefined {
    const builder = decl.builder.name;
    if (!(NET_BUILDERS as readonly string[]).includes(builder)) {
      this.#report('unknown-net', decl.builder.span, `unknown net builder '${builder}'`, `${suggestion(builder, NET_BUILDERS, 'builder')} (mlp(in, hidden..., out), dense(in, out))`);
      return undefined;
    }
    const sizes: Dim[] = [];
    for (const [i, arg] of decl.args.entries()) {
      if (arg.name !== undefined) {
        const key = arg.name.name;
        if (key !== 'activation' && key !== 'output') {
          this.#report('unknown-argument', arg.name.span, `${builder} has no argument named '${key}'`, suggestion(key, ['activation', 'output'], 'argument'));
          return undefined;
        }
        if (!this.#activation(arg.value)) return undefined;
        continue;
      }
      if (arg.value.kind === 'name' && (ACTIVATIONS as readonly string[]).includes(arg.value.name) && !this.#globals.has(arg.value.name)) {
        if (i !== decl.args.length - 1 && decl.args[i + 1]!.name === undefined) {
          this.#report('positional-after-named', arg.span, `the activation comes after the sizes`, `write ${builder}(sizes..., ${arg.value.name})`);
          return undefined;
        }
        continue;
      }
      if (arg.value.kind === 'name' && !this.#globals.has(arg.value.name)) {
        this.#report('unknown-activation', arg.value.span, `'${arg.value.name}' is not an activation or a size`, suggestion(arg.value.name, ACTIVATIONS, 'activation'));
        return undefined;
      }
      const t = this.#typer.typeOf(arg.value);
      if (!t) return undefined;
      if (t.asDim === undefined) {
        if (arg.value.kind === 'name' && t.constant === undefined) {
          this.#report('unknown-activation', arg.value.span, `'${arg.value.name}' is not an activation or a size`, suggestion(arg.value.name, ACTIVATIONS, 'activation'));
        } else {
          this.#report('not-constant', arg.value.span, `${builder}: layer sizes must be positive integer constants or sizes`, 'write e.g. mlp(784, 200, 20)');
        }
        return undefined;
      }
      sizes.push(t.asDim);
    }
    const wanted = builder === 'dense' ? 'exactly 2' : 'at least 2';
    if (sizes.length < 2 || (builder === 'dense' && sizes.length !== 2)) {
      this.#report('argument-count', decl.span, `${builder} needs ${wanted} sizes (inputs${builder === 'mlp' ? ', hidden...' : ''}, outputs), got ${sizes.length}`, builder === 'mlp' ? 'write e.g. mlp(784, 200, 20, tanh)' : 'write e.g. dense(20, 1)');
      return undefined;
    }
    return { name: decl.name.name, inputs: sizes[0]!, outputs: sizes[sizes.length - 1]! };
  }

  #activation(e: Expr): boolean {
    if (e.kind === 'name' && (ACTIVATIONS as readonly string[]).includes(e.name)) return true;
    const name = e.kind === 'name' ? e.name : '';
    this.#report('unknown-activation', e.span, `unknown activation${name ? ` '${name}'` : ''}`, suggestion(name, ACTIVATIONS, 'activation'));
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Names

  #lookupScope(name: string): { binding: Binding; scope: Scope } | undefined {
    for (let s = this.#scope; s; s = s.parent) {
      const b = s.names.get(name);
      if (b) return { binding: b, scope: s };
    }
    return undefined;
  }

  /** Plates entered since `definedIn` (all enclosing plates for globals), outermost first. */
  #platesSince(definedIn: Scope | undefined): PlateContext[] {
    const plates: PlateContext[] = [];
    for (let s = this.#scope; s && s !== definedIn; s = s.parent) if (s.plate) plates.unshift(s.plate);
    return plates;
  }

  /** Leading item dims that equal enclosing plates' sizes (in nesting order) are indexed by them. */
  #gathers(item: readonly Dim[], plates: readonly PlateContext[]): { gathers: string[]; rest: readonly Dim[] } {
    const gathers: string[] = [];
    let at = 0;
    for (const p of plates) {
      if (at < item.length && p.size !== null && sameDim(item[at]!, p.size) === 'yes') {
        gathers.push(p.name);
        at++;
      }
    }
    return { gathers, rest: item.slice(at) };
  }

  #resolved(ref: NameRef, kind: Resolution['kind'], type: ValueType | undefined, definedIn: Scope | undefined): ValueType | undefined {
    if (!type) return undefined;
    const { gathers, rest } = this.#gathers(type.item, this.#platesSince(definedIn));
    this.#resolutions.set(ref, { kind, name: ref.name, gathers });
    return gathers.length === 0 ? type : { ...type, item: rest };
  }

  #value(ref: NameRef): ValueType | undefined {
    const local = this.#mode === 'block' ? this.#lookupScope(ref.name) : undefined;
    if (local) return this.#resolved(ref, local.binding.kind, local.binding.type, local.scope);
    const g = this.#globals.get(ref.name);
    if (!g) {
      this.#missing(ref);
      return undefined;
    }
    switch (g.kind) {
      case 'size':
        this.#resolutions.set(ref, { kind: 'size', name: g.name, gathers: [] });
        return { item: [], elem: 'int', asDim: g.name, positive: true };
      case 'const':
        return this.#resolved(ref, 'const', g.type, undefined);
      case 'net':
        this.#report('not-a-value', ref.span, `'${g.name}' is a net, not a value`, `call it on an input: ${g.name}(x)`);
        return undefined;
      case 'data':
        if (this.#mode === 'const') {
          this.#report('not-constant', ref.span, `${article(g)} cannot be used here: shapes, sizes and consts are known before the data is read`, 'use numbers, consts and size names');
          return undefined;
        }
        g.used = true;
        return this.#resolved(ref, 'data', { item: g.item, elem: g.elem }, undefined);
      case 'param': {
        if (this.#mode !== 'block') {
          this.#report('not-constant', ref.span, `${article(g)} cannot be used here`, 'shapes and initial values use numbers, consts, sizes and data');
          return undefined;
        }
        if (this.#role) g.usedBy.add(this.#role);
        const positive = g.type === 'positive' || g.type === 'unit' || g.type === 'simplex' || (g.type === 'real' && g.bounds.lower !== undefined && g.bounds.lower >= 0);
        return this.#resolved(ref, 'param', { item: g.item, elem: 'real', ...(positive ? { positive } : {}) }, undefined);
      }
    }
  }

  #missing(ref: NameRef): void {
    const name = ref.name;
    if (name === '') return;
    const role = this.#role;
    let hint: string | undefined;
    if (role && this.#mode === 'block') {
      const here = this.#bindings[role].get(name);
      const other = this.#bindings[role === 'model' ? 'guide' : 'model'].get(name);
      if (here && here.span.start.offset > ref.span.start.offset) hint = `'${name}' is defined later, at line ${here.span.start.line}; use it after its definition`;
      else if (here) hint = `'${name}' is defined inside plate '${here.plate ?? '?'}' (line ${here.span.start.line}) and is only visible there`;
      else if (other) hint = `'${name}' is defined in the ${role === 'model' ? 'guide' : 'model'}; the model and the guide share only latent names, not definitions`;
    }
    if (!hint && FUNCTIONS.has(name)) hint = `'${name}' is a function; call it: ${name}(...)`;
    if (!hint && DISTRIBUTIONS.has(name)) hint = `'${name}' is a distribution; sample from it: z ~ ${name}(...)`;
    if (!hint && (ACTIVATIONS as readonly string[]).includes(name)) hint = `activations are used in net declarations; as a function, use ${FUNCTIONS.has(name) ? `${name}(x)` : 'a function such as tanh(x)'}`;
    if (!hint) {
      const visible = new Set<string>();
      for (let s = this.#scope; s; s = s.parent) for (const n of s.names.keys()) visible.add(n);
      for (const [n, g] of this.#globals) if (this.#mode === 'block' || g.kind === 'const' || g.kind === 'size') visible.add(n);
      hint = this.#mode === 'const' ? 'sizes are named in data shapes (data x: real[N, D]) or declared with const (const K = 3)' : suggestion(name, [...visible], 'name');
    }
    const code: DiagnosticCode = this.#mode === 'const' ? 'unbound-size' : 'undefined-name';
    this.#report(code, ref.span, code === 'unbound-size' ? `'${name}' is not a known size or constant` : `'${name}' is not defined`, hint);
  }

  #net(name: string, call: CallExpr): NetType | undefined {
    if (this.#mode === 'block' && this.#lookupScope(name)) return undefined;
    const g = this.#globals.get(name);
    if (g?.kind !== 'net') return undefined;
    if (this.#mode !== 'block') {
      this.#report('not-constant', call.span, `net '${name}' cannot be used here`, 'nets are used in the model and the guide');
      return undefined;
    }
    if (this.#role) g.usedBy.add(this.#role);
    this.#netCalls.add(call);
    return g.net;
  }

  #isValue(name: string): boolean {
    if (this.#lookupScope(name)) return true;
    const g = this.#globals.get(name);
    return g !== undefined && g.kind !== 'net';
  }

  // ---------------------------------------------------------------------------------------------
  // Blocks

  #collectBindings(role: Role, body: readonly Statement[], plate: string | undefined): void {
    for (const s of body) {
      if (s.kind === 'assign' || s.kind === 'sample') {
        if (!this.#bindings[role].has(s.target.name)) this.#bindings[role].set(s.target.name, { span: s.target.span, plate });
      } else if (s.kind === 'plate') {
        this.#collectBindings(role, s.body, s.name.name);
      }
    }
  }

  #block(role: Role, block: BlockDecl): void {
    this.#role = role;
    this.#mode = 'block';
    this.#scope = new Scope(undefined, undefined);
    this.#statements(block.body);
    this.#scope = undefined;
    this.#role = undefined;
  }

  #statements(body: readonly Statement[]): void {
    for (const s of body) {
      switch (s.kind) {
        case 'assign':
          this.#assign(s);
          break;
        case 'sample':
          this.#sample(s);
          break;
        case 'plate':
          this.#plate(s);
          break;
        case 'factor':
          this.#factor(s);
          break;
      }
    }
  }

  /** Report a name that cannot be (re)bound here; false when it is free. */
  #taken(name: string, span: Span, what: string): boolean {
    const g = this.#globals.get(name);
    if (g) {
      this.#report('duplicate-name', span, `'${name}' is already ${g.kind === 'size' ? 'a size' : `declared as ${kindWord[g.kind]}`} (line ${g.span.start.line})`, `give the ${what} another name`);
      return true;
    }
    const local = this.#lookupScope(name);
    if (local) {
      const was = local.binding.kind === 'latent' ? 'sampled' : 'defined';
      this.#report(local.binding.kind === 'latent' ? 'duplicate-site' : 'duplicate-name', span, `'${name}' is already ${was} at line ${local.binding.span.start.line}`, `give the ${what} another name (each name is bound once)`);
      return true;
    }
    return false;
  }

  #assign(s: AssignStmt): void {
    const type = this.#typer.typeOf(s.value);
    if (this.#taken(s.target.name, s.target.span, 'definition') || s.target.name === '') return;
    this.#scope!.names.set(s.target.name, { kind: 'local', name: s.target.name, type, span: s.target.span });
  }

  #platePath(): string[] {
    const path: string[] = [];
    for (let s = this.#scope; s; s = s.parent) if (s.plate) path.unshift(s.plate.name);
    return path;
  }

  #sample(s: SampleStmt): void {
    const role = this.#role!;
    const name = s.target.name;
    const g = this.#globals.get(name);
    const draw = checkDistribution(s.dist, {
      typer: this.#typer,
      report: (d) => this.#diagnostics.push(d),
      unconstrainedParam: (e) => {
        if (e.kind !== 'name' || this.#lookupScope(e.name)) return undefined;
        const p = this.#globals.get(e.name);
        return p?.kind === 'param' && p.type === 'real' && p.bounds.lower === undefined ? p.name : undefined;
      },
    });
    if (name === '') return;
    if (s.enumerate) this.#checkEnumerate(s, role, g?.kind === 'data', draw);
    if (g?.kind === 'data') {
      this.#observe(s, g, draw);
      return;
    }
    if (g) {
      this.#report('observe-non-data', s.target.span, `'${name}' is ${kindWord[g.kind]}, and only data can be observed`, g.kind === 'param' ? `a latent needs its own name (z ~ ...); to learn '${name}', use it inside a distribution` : `to sample a latent, use a new name; to observe values, declare them: data ${name}: real[...]`);
      return;
    }
    if (this.#taken(name, s.target.span, 'latent')) return;
    const sites = this.#sites[role];
    if (sites.has(name)) {
      this.#report('duplicate-site', s.target.span, `'${name}' is already sampled at line ${sites.get(name)!.stmt.span.start.line}`, 'each latent is sampled once per block');
      return;
    }
    this.#samples.set(s, { observed: false, gathers: [] });
    const plates = this.#platePath();
    sites.set(name, { kind: 'latent', stmt: s, draw: draw && { item: draw.item, support: draw.support, distribution: draw.spec.name }, plates });
    this.#scope!.names.set(name, {
      kind: 'latent',
      name,
      type: draw && { item: draw.item, elem: draw.elem, ...(isPositiveSupport(draw.support) ? { positive: true } : {}) },
      span: s.target.span,
    });
  }

  /** `z ~ d enumerate`: a model latent with a finite, scalar support (the runtime sums it out per plate element). */
  #checkEnumerate(s: SampleStmt, role: Role, observed: boolean, draw: ReturnType<typeof checkDistribution>): void {
    const span = s.enumerate!;
    const name = s.target.name;
    if (role === 'guide') {
      this.#report('enumerated-in-guide', span, `the guide enumerates '${name}', but enumeration sums out a model latent`, `mark the model's '${name} ~ ...' enumerate and leave '${name}' out of the guide`);
    } else if (observed) {
      this.#report('enumerate-unsupported', span, `'${name}' is data: an observation cannot be enumerated`, 'remove enumerate (only latents are summed out)');
    } else if (draw && draw.spec.name !== 'categorical' && draw.spec.name !== 'bernoulli') {
      this.#report('enumerate-unsupported', span, `'${name}' ~ ${draw.spec.name}(...) cannot be enumerated: enumeration needs a finite support`, 'enumerate categorical or bernoulli latents; sample the others in the guide');
    } else if (draw && draw.item.length > 0) {
      this.#report(
        'enumerate-unsupported',
        span,
        `'${name}' has shape ${formatShape(draw.item)}: an enumerated latent must be a single value (per element of its plates)`,
        'declare the independent values with a plate: plate items(N) { z ~ categorical(p) enumerate }',
      );
    }
  }

  #observe(s: SampleStmt, g: Extract<Global, { kind: 'data' }>, draw: ReturnType<typeof checkDistribution>): void {
    const role = this.#role!;
    g.used = true;
    if (role === 'guide') {
      this.#report('observe-in-guide', s.target.span, `the guide observes data '${g.name}'`, `observe data in the model; the guide reads it (e.g. h = encoder(${g.name})) and samples latents`);
      return;
    }
    const sites = this.#sites.model;
    if (sites.has(g.name)) {
      this.#report('duplicate-site', s.target.span, `data '${g.name}' is already observed at line ${sites.get(g.name)!.stmt.span.start.line}`, 'observe each data variable once');
      return;
    }
    const enclosing = this.#platePath();
    const plates = this.#platesSince(undefined);
    const { gathers, rest } = this.#gathers(g.item, plates);
    const unmatched = plates.find((p) => p.size !== null && !gathers.includes(p.name));
    if (unmatched) {
      const position = gathers.length;
      const dim = g.item[position];
      this.#report(
        'plate-size-mismatch',
        s.target.span,
        `'${g.name}' is observed inside plate '${unmatched.name}' of size ${String(unmatched.size)}, but ${dim === undefined ? `'${g.name}' has no dim left for it` : `its dim ${position + 1} is ${String(dim)}`} (declared ${formatShape(g.item)})`,
        dim === undefined ? `observe '${g.name}' outside plate '${unmatched.name}'` : `make the plate's size the data's: plate ${unmatched.name}(${String(dim)})`,
      );
      return;
    }
    this.#samples.set(s, { observed: true, gathers });
    if (!draw) return;
    if (!broadcastsTo(draw.item, rest)) {
      this.#report(
        'shape-mismatch',
        s.dist.span,
        `${draw.spec.name} draws values of shape ${formatShape(draw.item)} but '${g.name}' has shape ${formatShape(rest)}${gathers.length > 0 ? ` per element of plate '${gathers[gathers.length - 1]}'` : ''}`,
        'the distribution must broadcast to the data: its dims are matched from the right',
      );
      return;
    }
    if ((draw.elem === 'int' || draw.elem === 'bool') && g.elem === 'real') {
      this.#report('support-mismatch', s.target.span, `${draw.spec.name} draws ${describeSupport(draw.support)}, but '${g.name}' is declared real`, `declare it 'data ${g.name}: ${draw.elem}[...]' so its values are checked when the data is read`, 'warning');
    }
    sites.set(g.name, { kind: 'observed', stmt: s, draw: { item: rest, support: draw.support, distribution: draw.spec.name }, plates: enclosing });
  }

  #plate(s: PlateStmt): void {
    const name = s.name.name;
    const bound = bindArguments([{ name: undefined, value: s.size, span: s.size.span }, ...s.options], { what: `plate '${name}'`, positional: ['size'], names: ['size', 'subsample'] }, (d) => this.#diagnostics.push(d));
    let size: Dim = null;
    let subsample: Dim | undefined;
    const sizeType = this.#typer.typeOf(s.size);
    if (sizeType && sizeType.asDim === undefined) {
      this.#report('not-constant', s.size.span, `plate '${name}': the size must be a positive integer constant or a size name`, 'write e.g. plate data(N), where N is a dim of the data');
    } else if (sizeType) {
      size = sizeType.asDim!;
    }
    const sub = bound?.get('subsample');
    if (sub) {
      const t = this.#typer.typeOf(sub.value);
      if (t && t.asDim === undefined) {
        this.#report('not-constant', sub.value.span, `plate '${name}': subsample must be a positive integer constant or a size`, 'write e.g. plate data(N, subsample = 64)');
      } else if (t) {
        subsample = t.asDim!;
        if (typeof subsample === 'number' && typeof size === 'number' && subsample > size) {
          this.#report('invalid-value', sub.value.span, `plate '${name}': subsample ${subsample} is larger than the plate (${size})`, `use at most ${size}`);
        }
      }
    }
    if (name !== '') this.#registerPlate({ name, parent: this.#platePath().pop(), size, subsample, span: s.name.span });
    const outer = this.#scope;
    this.#scope = new Scope(outer, { name, size });
    this.#statements(s.body);
    this.#scope = outer;
  }

  #registerPlate(p: PlateRecord): void {
    const g = this.#globals.get(p.name);
    if (g) {
      this.#report('duplicate-name', p.span, `plate '${p.name}' has the name of ${article(g)}`, 'plates, sites and params share one namespace; rename the plate');
      return;
    }
    this.#plates.register(p, (d) => this.#diagnostics.push(d));
  }

  #factor(s: FactorStmt): void {
    this.#typer.typeOf(s.value);
    if (this.#role === 'guide') {
      this.#report('factor-in-guide', s.span, 'factor(...) in the guide', 'factors add to the model\'s log density; move it to the model');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The file as a whole

  #structure(): void {
    const { model, guide } = this.#blocks;
    if (!model) this.#report('missing-model', fileStart, 'the file has no model block', 'add model { ... } with the generative story: latents z ~ ..., observations x ~ ...');
    if (!guide && !this.options.guideOptional) {
      this.#report('missing-guide', model?.keyword ?? fileStart, 'the file has no guide block', 'add guide { ... } sampling every latent of the model (automatic guides: compile(text, { autoGuide }))');
    }
    if (model && guide) checkAgreement(this.#sites.model, this.#sites.guide, (name) => this.#globals.get(name)?.kind === 'data', (d) => this.#diagnostics.push(d));
    const clashing = new Set<string>();
    for (const role of ['model', 'guide'] as const) {
      for (const [name, site] of this.#sites[role]) {
        const plate = this.#plates.get(name);
        if (plate && !clashing.has(name) && clashing.add(name)) this.#report('duplicate-name', plate.span, `plate '${name}' has the name of ${site.kind === 'latent' ? 'a latent' : 'observed data'} (line ${site.stmt.span.start.line})`, 'plates and sites share one namespace; rename the plate');
      }
    }
    for (const g of this.#globals.values()) {
      if (g.kind === 'data' && !g.used && model) this.#unusedData(g.name, g.span);
      if ((g.kind === 'param' || g.kind === 'net') && g.usedBy.size === 0) this.#report('unused', g.span, `${kindNoun[g.kind]} '${g.name}' is never used`, 'use it or remove it', 'warning');
      if ((g.kind === 'param' || g.kind === 'net') && g.usedBy.size === 2) {
        this.#report('shared-param', g.span, `${kindNoun[g.kind]} '${g.name}' is used by both the model and the guide; it belongs to the guide`, "the guide's estimator updates it; declare separate params if the model needs its own", 'warning');
      }
    }
  }

  /** Declared data nothing reads: an error (unless allowed), naming a latent it was likely meant to be. */
  #unusedData(name: string, span: Span): void {
    const allowed = this.options.allowUnusedData ?? false;
    const latents = [...this.#sites.model].filter(([, s]) => s.kind === 'latent').map(([n]) => n);
    const near = closest(name, latents);
    const site = near === undefined ? undefined : this.#sites.model.get(near);
    const hint =
      site !== undefined
        ? `did you mean to observe it? '${near} ~ ...' (line ${site.stmt.span.start.line}) samples a new latent; write '${name} ~ ...'`
        : 'observe it in the model (' + name + ' ~ ...), use it, or remove the declaration';
    const allow = allowed ? '' : '; to fit anyway, allow unused data (roulette --allow-unused-data, compile(text, { allowUnusedData: true }))';
    this.#report(allowed ? 'unused' : 'unused-data', span, `data '${name}' is never used, so the fit ignores it`, `${hint}${allow}`, allowed ? 'warning' : 'error');
  }

  #info(): ProgramInfo {
    const plates = this.#plates.infos();
    const latents = (role: Role): LatentInfo[] =>
      [...this.#sites[role]].filter(([, s]) => s.kind === 'latent' && s.draw).map(([name, s]) => ({ name, plates: s.plates, item: s.draw!.item, support: s.draw!.support }));
    const data = [...this.#globals.values()]
      .filter((g): g is Extract<Global, { kind: 'data' }> => g.kind === 'data')
      .map((g) => ({ name: g.name, elem: g.elem, dims: g.item.map((d) => d ?? 0), decl: g.decl }));
    return {
      resolutions: this.#resolutions,
      samples: this.#samples,
      netCalls: this.#netCalls,
      plates,
      data,
      latents: { model: latents('model'), guide: latents('guide') },
      hasGuide: this.#blocks.guide !== undefined,
    };
  }
}

/**
 * Parse and check a `.ppl` program. Never throws; `info` (what `compile` needs) is present when there
 * are no errors. Semantic checks run only on files without syntax errors (a half-parsed file would
 * mostly produce echoes of the syntax errors).
 *
 * @example
 * const { diagnostics } = check(text);
 * for (const d of diagnostics) console.log(d.span.start.line, d.code, d.message);
 */
export function check(text: string, options: CheckOptions = {}): CheckResult {
  if (typeof text !== 'string') fail('invalid-argument', `check/compile: the program text must be a string (the contents of a .ppl file), got ${kindOf(text)}`);
  const parsed = parse(text);
  if (!parsed.ast || hasErrors(parsed.diagnostics)) return { ast: parsed.ast, diagnostics: parsed.diagnostics, info: undefined };
  try {
    const checked = new Checker(parsed.ast, options).run();
    const diagnostics = [...parsed.diagnostics, ...checked.diagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset);
    return { ast: parsed.ast, diagnostics, info: checked.info };
  } catch (cause) {
    const d = diagnostic('internal-error', fileStart, `the checker failed: ${String(cause)}`, 'please report this file as a bug');
    return { ast: parsed.ast, diagnostics: [...parsed.diagnostics, d], info: undefined };
  }
}
