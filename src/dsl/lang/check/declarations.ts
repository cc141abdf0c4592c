import type { ConstDecl, DataDecl, Expr, NetDecl, ParamDecl, Program } from '../ast.js';
import { bindArguments } from '../bind-args.js';
import type { NetType } from '../check-expr.js';
import { suggestion } from '../diagnostics.js';
import { FUNCTIONS } from '../functions.js';
import { ACTIVATIONS, NET_BUILDERS } from '../nets.js';
import { admitsConstant, DATA_TYPES, describeParamType, PARAM_TYPES, type Bounds, type DataTypeName, type ParamTypeName } from '../param-types.js';
import { broadcastsTo, formatShape, sameDim, type Dim, type Elem } from '../static-shapes.js';
import { kindWord, type CheckState, type Global } from './state.js';

/** Plain names in data shapes bind sizes; collect them first so declaration order does not matter. */
export function collectSizes(state: CheckState, program: Program): void {
  const consts = new Set(program.declarations.filter((d): d is ConstDecl => d.kind === 'const').map((d) => d.name.name));
  for (const decl of program.declarations) {
    if (decl.kind !== 'data') continue;
    for (const dim of decl.shape) {
      if (dim.kind === 'name' && !consts.has(dim.name) && !state.globals.has(dim.name)) {
        state.globals.set(dim.name, { kind: 'size', name: dim.name, span: dim.span });
      }
    }
  }
}

/** Check a `data`, `const`, `param` or `net` declaration and declare its name. */
export function checkDeclaration(state: CheckState, decl: DataDecl | ConstDecl | ParamDecl | NetDecl): void {
  state.mode = 'const';
  switch (decl.kind) {
    case 'data':
      return data(state, decl);
    case 'const':
      return constant(state, decl);
    case 'param':
      return param(state, decl);
    case 'net':
      return netDecl(state, decl);
  }
}

function define(state: CheckState, global: Global): void {
  const existing = state.globals.get(global.name);
  if (global.name === '') return;
  if (existing) {
    const where = existing.kind === 'size' ? `as a size in a data shape (line ${existing.span.start.line})` : `as ${kindWord[existing.kind]} at line ${existing.span.start.line}`;
    state.report('duplicate-name', global.span, `'${global.name}' is already defined ${where}`, 'give it another name');
    return;
  }
  if (global.kind === 'net' && FUNCTIONS.has(global.name)) {
    state.report('duplicate-name', global.span, `'${global.name}' is a built-in function`, 'give the net another name');
    return;
  }
  state.globals.set(global.name, global);
}

function dims(state: CheckState, shape: readonly Expr[], what: string): Dim[] | undefined {
  const out: Dim[] = [];
  for (const e of shape) {
    const t = state.typer.typeOf(e);
    if (!t) return undefined;
    if (t.asDim === undefined) {
      if (t.constant !== undefined) {
        state.report('invalid-value', e.span, `${what}: ${t.constant} is not a valid size`, 'sizes are positive integers');
      } else {
        state.report('not-constant', e.span, `${what}: a size must be a positive integer constant or a size name`, 'write e.g. [N, 784], [K], [2 * D]');
      }
      return undefined;
    }
    out.push(t.asDim);
  }
  return out;
}

function data(state: CheckState, decl: DataDecl): void {
  const element = decl.element.name;
  let elem: Elem = 'real';
  if (!(DATA_TYPES as readonly string[]).includes(element)) {
    const hint = (PARAM_TYPES as readonly string[]).includes(element)
      ? `data holds real, int or bool values; constraints such as '${element}' are for params`
      : suggestion(element, DATA_TYPES, 'data type');
    state.report('unknown-type', decl.element.span, `unknown data type '${element}'`, hint);
  } else {
    elem = element as DataTypeName;
  }
  let item = dims(state, decl.shape, `data '${decl.name.name}'`);
  const computed = item?.findIndex((d) => d === null) ?? -1;
  if (item && computed >= 0) {
    state.report('not-constant', decl.shape[computed]!.span, `data '${decl.name.name}': a data dim must be a number, a const or a size name`, 'sizes are read from the data; name them (data x: real[N, D]) and compute with them elsewhere');
    item = undefined;
  }
  define(state, { kind: 'data', name: decl.name.name, span: decl.name.span, decl, item: item ?? decl.shape.map(() => null), elem, used: false });
}

function constant(state: CheckState, decl: ConstDecl): void {
  const type = state.typer.typeOf(decl.value);
  if (type) define(state, { kind: 'const', name: decl.name.name, span: decl.name.span, type });
}

function param(state: CheckState, decl: ParamDecl): void {
  // A param with an error is still declared (with what is known), so its uses are not reported again.
  const typeName = decl.type.name.name;
  let type: ParamTypeName = 'real';
  if (!(PARAM_TYPES as readonly string[]).includes(typeName)) {
    const hint = typeName === 'int' || typeName === 'bool' ? 'params are continuous: real, positive, unit, simplex or cholesky' : suggestion(typeName, PARAM_TYPES, 'param type');
    state.report('unknown-type', decl.type.name.span, `unknown param type '${typeName}'`, hint);
  } else {
    type = typeName as ParamTypeName;
  }
  const bounds = paramBounds(state, decl, type) ?? { lower: undefined, upper: undefined };
  const item = dims(state, decl.type.shape, `param '${decl.name.name}'`) ?? decl.type.shape.map(() => null);
  define(state, { kind: 'param', name: decl.name.name, span: decl.name.span, decl, item, type, bounds, usedBy: new Set() });
  if (type === 'simplex' && item.length === 0) {
    state.report('shape-mismatch', decl.type.span, `a simplex param needs a shape: the categories are its last dim`, `write simplex[K]`);
    return;
  }
  if (type === 'cholesky' && (item.length < 2 || sameDim(item[item.length - 1]!, item[item.length - 2]!) === 'no')) {
    state.report('shape-mismatch', decl.type.span, `a cholesky param is a square matrix, got shape ${formatShape(item)}`, 'write cholesky[D, D]');
    return;
  }
  if (decl.init) {
    state.mode = 'init';
    const init = state.typer.typeOf(decl.init);
    if (!init) return;
    if (!broadcastsTo(init.item, item)) {
      state.report('shape-mismatch', decl.init.span, `the initial value has shape ${formatShape(init.item)}, which does not fit the declared shape ${formatShape(item)}`, 'give a number, or an array of the declared shape');
      return;
    }
    if (init.constant !== undefined && !admitsConstant(type, bounds, init.constant)) {
      state.report('invalid-value', decl.init.span, `initial value ${init.constant} is not ${describeParamType(type, bounds)}`, 'start inside the set the param lives in');
    }
  }
}

/** `real(lower = a, upper = b)`: constant bounds, or undefined after reporting what is wrong. */
function paramBounds(state: CheckState, decl: ParamDecl, type: ParamTypeName): Bounds | undefined {
  const args = decl.type.args;
  if (args.length === 0) return { lower: undefined, upper: undefined };
  if (type !== 'real') {
    state.report('unknown-argument', args[0]!.span, `only 'real' takes bounds; '${type}' has fixed ones`, 'write real(lower = 0) or real(lower = 0, upper = 1)');
    return undefined;
  }
  const bound = bindArguments(args, { what: 'real', positional: [], names: ['lower', 'upper'] }, state.push);
  if (!bound) return undefined;
  const value = (key: 'lower' | 'upper'): number | undefined | false => {
    const a = bound.get(key);
    if (!a) return undefined;
    const t = state.typer.typeOf(a.value);
    if (!t) return false;
    if (t.constant === undefined) {
      state.report('not-constant', a.value.span, `the ${key} bound must be a constant`, `write e.g. real(${key} = 0)`);
      return false;
    }
    return t.constant;
  };
  const lower = value('lower');
  const upper = value('upper');
  if (lower === false || upper === false) return undefined;
  if (lower !== undefined && upper !== undefined && !(lower < upper)) {
    state.report('invalid-value', decl.type.span, `the bounds are empty: lower ${lower} is not below upper ${upper}`, 'swap them');
    return undefined;
  }
  return { lower, upper };
}

function netDecl(state: CheckState, decl: NetDecl): void {
  const net = netType(state, decl);
  define(state, { kind: 'net', name: decl.name.name, span: decl.name.span, net: net ?? { name: decl.name.name, inputs: null, outputs: null }, usedBy: new Set() });
}

/** The net's input and output sizes, or undefined after reporting what is wrong. */
function netType(state: CheckState, decl: NetDecl): NetType | undefined {
  const builder = decl.builder.name;
  if (!(NET_BUILDERS as readonly string[]).includes(builder)) {
    state.report('unknown-net', decl.builder.span, `unknown net builder '${builder}'`, `${suggestion(builder, NET_BUILDERS, 'builder')} (mlp(in, hidden..., out), dense(in, out))`);
    return undefined;
  }
  const sizes: Dim[] = [];
  for (const [i, arg] of decl.args.entries()) {
    if (arg.name !== undefined) {
      const key = arg.name.name;
      if (key !== 'activation' && key !== 'output') {
        state.report('unknown-argument', arg.name.span, `${builder} has no argument named '${key}'`, suggestion(key, ['activation', 'output'], 'argument'));
        return undefined;
      }
      if (!activation(state, arg.value)) return undefined;
      continue;
    }
    if (arg.value.kind === 'name' && (ACTIVATIONS as readonly string[]).includes(arg.value.name) && !state.globals.has(arg.value.name)) {
      if (i !== decl.args.length - 1 && decl.args[i + 1]!.name === undefined) {
        state.report('positional-after-named', arg.span, `the activation comes after the sizes`, `write ${builder}(sizes..., ${arg.value.name})`);
        return undefined;
      }
      continue;
    }
    if (arg.value.kind === 'name' && !state.globals.has(arg.value.name)) {
      state.report('unknown-activation', arg.value.span, `'${arg.value.name}' is not an activation or a size`, suggestion(arg.value.name, ACTIVATIONS, 'activation'));
      return undefined;
    }
    const t = state.typer.typeOf(arg.value);
    if (!t) return undefined;
    if (t.asDim === undefined) {
      if (arg.value.kind === 'name' && t.constant === undefined) {
        state.report('unknown-activation', arg.value.span, `'${arg.value.name}' is not an activation or a size`, suggestion(arg.value.name, ACTIVATIONS, 'activation'));
      } else {
        state.report('not-constant', arg.value.span, `${builder}: layer sizes must be positive integer constants or sizes`, 'write e.g. mlp(784, 200, 20)');
      }
      return undefined;
    }
    sizes.push(t.asDim);
  }
  const wanted = builder === 'dense' ? 'exactly 2' : 'at least 2';
  if (sizes.length < 2 || (builder === 'dense' && sizes.length !== 2)) {
    state.report('argument-count', decl.span, `${builder} needs ${wanted} sizes (inputs${builder === 'mlp' ? ', hidden...' : ''}, outputs), got ${sizes.length}`, builder === 'mlp' ? 'write e.g. mlp(784, 200, 20, tanh)' : 'write e.g. dense(20, 1)');
    return undefined;
  }
  return { name: decl.name.name, inputs: sizes[0]!, outputs: sizes[sizes.length - 1]! };
}

function activation(state: CheckState, e: Expr): boolean {
  if (e.kind === 'name' && (ACTIVATIONS as readonly string[]).includes(e.name)) return true;
  const name = e.kind === 'name' ? e.name : '';
  state.report('unknown-activation', e.span, `unknown activation${name ? ` '${name}'` : ''}`, suggestion(name, ACTIVATIONS, 'activation'));
  return false;
}
