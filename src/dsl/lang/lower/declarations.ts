import type { Activation } from '../../nn.js';
import type { Expr, NetDecl, ParamDecl, Program } from '../ast.js';
import { bindArguments } from '../bind-args.js';
import type { Eval, ExprCompiler } from '../lower-expr.js';
import { isActivation } from '../nets.js';
import type { Bounds, ParamTypeName } from '../param-types.js';
import type { ProgramInfo } from '../program-info.js';

export interface ParamPlan {
  readonly type: ParamTypeName;
  readonly bounds: Bounds;
  readonly shape: readonly Eval[];
  readonly init: Eval | undefined;
  readonly declared: string;
}

export interface NetPlan {
  readonly builder: 'mlp' | 'dense';
  readonly sizes: readonly Eval[];
  readonly activation: Activation | undefined;
  readonly output: Activation | undefined;
}

/** Declarations compiled once: what every run of the model or the guide reads. */
export interface Globals {
  readonly consts: ReadonlyMap<string, Eval>;
  readonly params: ReadonlyMap<string, ParamPlan>;
  readonly nets: ReadonlyMap<string, NetPlan>;
}

/** Compile the program's const, param and net declarations (data declarations need nothing here). */
export function compileDeclarations(program: Program, info: ProgramInfo, exprs: ExprCompiler): Globals {
  const consts = new Map<string, Eval>();
  const params = new Map<string, ParamPlan>();
  const nets = new Map<string, NetPlan>();
  for (const d of program.declarations) {
    if (d.kind === 'const') consts.set(d.name.name, exprs.compile(d.value));
    if (d.kind === 'param') params.set(d.name.name, paramPlan(d, exprs));
    if (d.kind === 'net') nets.set(d.name.name, netPlan(d, info, exprs));
  }
  return { consts, params, nets };
}

function paramPlan(d: ParamDecl, exprs: ExprCompiler): ParamPlan {
  const bound = bindArguments(d.type.args, { what: 'real', positional: [], names: ['lower', 'upper'] }, () => undefined) ?? new Map();
  const constant = (key: string): number | undefined => {
    const e = bound.get(key)?.value;
    return e ? constantOf(e) : undefined;
  };
  const type = d.type.name.name as ParamTypeName;
  const shapeText = d.type.shape.length > 0 ? `[${d.type.shape.map((e) => exprText(e)).join(', ')}]` : '';
  return {
    type,
    bounds: { lower: constant('lower'), upper: constant('upper') },
    shape: d.type.shape.map((e) => exprs.compile(e)),
    init: d.init ? exprs.compile(d.init) : undefined,
    declared: `${type}${shapeText}`,
  };
}

function netPlan(d: NetDecl, info: ProgramInfo, exprs: ExprCompiler): NetPlan {
  const sizes: Eval[] = [];
  let activation: Activation | undefined;
  let output: Activation | undefined;
  for (const a of d.args) {
    // A bare activation name the checker did not resolve as a value is the hidden activation.
    const e = a.value;
    const name = e.kind === 'name' && isActivation(e.name) && !info.resolutions.has(e) ? e.name : undefined;
    if (a.name?.name === 'activation') activation = name;
    else if (a.name?.name === 'output') output = name;
    else if (name) activation = name;
    else sizes.push(exprs.compile(e));
  }
  return { builder: d.builder.name === 'dense' ? 'dense' : 'mlp', sizes, activation, output };
}

/** A constant expression's value (numbers and arithmetic on them), for param bounds. */
function constantOf(e: Expr): number | undefined {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'unary': {
      const v = constantOf(e.operand);
      return v === undefined ? undefined : -v;
    }
    case 'binary': {
      const [a, b] = [constantOf(e.left), constantOf(e.right)];
      if (a === undefined || b === undefined) return undefined;
      return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : e.op === '/' ? a / b : a ** b;
    }
    default:
      return undefined;
  }
}

function exprText(e: Expr): string {
  return e.kind === 'number' ? e.text : e.kind === 'name' ? e.name : '...';
}
