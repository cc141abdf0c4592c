import type { ArrayExpr, BinaryExpr, CallExpr, Expr, IndexExpr, NameRef, Span } from './ast.js';
import { bindArguments } from './bind-args.js';
import { DISTRIBUTIONS } from './distributions.js';
import { diagnostic, suggestion, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { broadcastOrReport, FUNCTIONS, type StaticArg } from './functions.js';
import { broadcast, formatShape, sameDim, widerElem, type Dim, type ValueType } from './static-shapes.js';

/** A declared net as the checker sees it. */
export interface NetType {
  readonly name: string;
  readonly inputs: Dim;
  readonly outputs: Dim;
}

/** What the typer needs from the checker: name resolution (which also reports and records). */
export interface TyperContext {
  /** The type of a name used as a value, or undefined after reporting why it cannot be used. */
  value(ref: NameRef): ValueType | undefined;
  /** The net called `name`, if there is one (and record that it was called here). */
  net(name: string, call: CallExpr): NetType | undefined;
  /** Is `name` a value (not a function) in this scope? For "x is not a function" messages. */
  isValue(name: string): boolean;
  /** Declared nets (suggested for unknown function names). */
  netNames(): readonly string[];
  report(d: Diagnostic): void;
}

const scalarConstant = (value: number): ValueType => ({
  item: [],
  elem: Number.isInteger(value) ? 'int' : 'real',
  constant: value,
  ...(Number.isInteger(value) && value > 0 ? { asDim: value } : {}),
  ...(value > 0 ? { positive: true } : {}),
});

/** Static types of expressions: item shapes, element types, constants; reports what is wrong where. */
export class Typer {
  constructor(private readonly ctx: TyperContext) {}

  #report(code: DiagnosticCode, span: Span, message: string, hint: string): undefined {
    this.ctx.report(diagnostic(code, span, message, hint));
    return undefined;
  }

  typeOf(e: Expr): ValueType | undefined {
    switch (e.kind) {
      case 'number':
        return Number.isFinite(e.value) ? scalarConstant(e.value) : undefined;
      case 'name':
        return this.ctx.value(e);
      case 'call':
        return this.#call(e);
      case 'binary':
        return this.#binary(e);
      case 'unary': {
        const t = this.typeOf(e.operand);
        if (!t) return undefined;
        return { item: t.item, elem: t.elem === 'bool' ? 'int' : t.elem, ...(t.constant !== undefined ? { constant: -t.constant } : {}) };
      }
      case 'index':
        return this.#index(e);
      case 'array':
        return this.#array(e);
      case 'error':
        return undefined;
    }
  }

  #binary(e: BinaryExpr): ValueType | undefined {
    const left = this.typeOf(e.left);
    const right = this.typeOf(e.right);
    if (!left || !right) return undefined;
    const item = broadcastOrReport({ type: left, span: e.left.span }, { type: right, span: e.right.span }, e.span, (span, message, hint, code) => this.#report(code ?? 'shape-mismatch', span, message, hint), `'${e.op}'`);
    if (!item) return undefined;
    const a = left.constant;
    const b = right.constant;
    let constant: number | undefined;
    if (a !== undefined && b !== undefined) {
      constant = e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : e.op === '/' ? a / b : a ** b;
    }
    const integral = e.op === '+' || e.op === '-' || e.op === '*';
    const elem = integral ? widerElem(left.elem, right.elem) : 'real';
    let asDim: Dim | undefined;
    if (left.asDim !== undefined && right.asDim !== undefined && integral) {
      asDim = constant !== undefined ? (Number.isInteger(constant) && constant > 0 ? constant : undefined) : null;
    } else if (constant !== undefined && Number.isInteger(constant) && constant > 0) {
      asDim = constant;
    }
    const positive = (e.op === '+' || e.op === '*' || e.op === '/') ? left.positive === true && right.positive === true : e.op === '^' ? left.positive === true : false;
    return {
      item,
      elem,
      ...(constant !== undefined ? { constant } : {}),
      ...(asDim !== undefined ? { asDim } : {}),
      ...(positive || (constant !== undefined && constant > 0) ? { positive: true } : {}),
    };
  }

  #call(e: CallExpr): ValueType | undefined {
    const name = e.callee.name;
    const net = this.ctx.net(name, e);
    if (net) return this.#netCall(e, net);
    const fn = FUNCTIONS.get(name);
    if (!fn) {
      if (DISTRIBUTIONS.has(name)) {
        return this.#report('not-callable', e.callee.span, `'${name}' is a distribution, not a function`, `sample from it: z ~ ${name}(...); use the draw z in expressions`);
      }
      if (this.ctx.isValue(name)) {
        return this.#report('not-callable', e.callee.span, `'${name}' is a value, not a function or a net`, `index it with ${name}[...] or multiply with *`);
      }
      const nets = this.ctx.netNames();
      const near = suggestion(name, [...nets, ...FUNCTIONS.keys()], 'function');
      return this.#report('unknown-function', e.callee.span, `unknown function or net '${name}'`, near.startsWith('did you mean') ? near : `${nets.length > 0 ? `nets: ${nets.join(', ')}; ` : ''}${suggestion(name, [...FUNCTIONS.keys()], 'function')}`);
    }
    const args: StaticArg[] = [];
    if (fn.params.length === 0) {
      const named = e.args.find((a) => a.name !== undefined);
      if (named?.name) return this.#report('unknown-argument', named.name.span, `${name} takes no named arguments`, `write ${name}(a, b, ...)`);
      for (const a of e.args) {
        const type = this.typeOf(a.value);
        if (!type) return undefined;
        args.push({ type, span: a.value.span });
      }
    } else {
      const bound = bindArguments(e.args, { what: name, positional: fn.params, names: fn.params }, (d) => this.ctx.report(d));
      if (!bound) return undefined;
      for (const param of fn.params) {
        const a = bound.get(param);
        if (!a) break;
        const type = this.typeOf(a.value);
        if (!type) return undefined;
        args.push({ type, span: a.value.span });
      }
      const given = bound.size;
      if (args.length !== given) {
        const missing = fn.params.find((p) => !bound.has(p))!;
        return this.#report('missing-argument', e.span, `${name}: '${missing}' is missing`, fn.summary);
      }
    }
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const range = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : fn.maxArgs > 8 ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      return this.#report('argument-count', e.span, `${name} takes ${range} argument${fn.maxArgs === 1 ? '' : 's'}, got ${args.length}`, fn.summary);
    }
    return fn.type(args, e.span, (span, message, hint, code) => this.#report(code ?? 'shape-mismatch', span, message, hint));
  }

  #netCall(e: CallExpr, net: NetType): ValueType | undefined {
    if (e.args.length !== 1 || e.args[0]!.name !== undefined) {
      return this.#report('argument-count', e.span, `net '${net.name}' takes one input, got ${e.args.length}`, `call it on one value: ${net.name}(x)`);
    }
    const arg = e.args[0]!;
    const input = this.typeOf(arg.value);
    if (!input) return undefined;
    const last = input.item[input.item.length - 1];
    if (input.item.length === 0 || sameDim(last!, net.inputs) === 'no') {
      return this.#report(
        'shape-mismatch',
        arg.value.span,
        `net '${net.name}' takes inputs of size ${String(net.inputs)} (last dim), got shape ${formatShape(input.item)}`,
        input.item.length === 0 ? 'give it a vector' : `change the net's first size to ${String(last)} or reshape the input`,
      );
    }
    return { item: [...input.item.slice(0, -1), net.outputs], elem: 'real' };
  }

  #index(e: IndexExpr): ValueType | undefined {
    const target = this.typeOf(e.target);
    if (!target) return undefined;
    const dims = target.item;
    if (e.parts.length > dims.length) {
      const n = e.parts.length;
      return this.#report('too-many-indices', e.span, `${n} ${n === 1 ? 'index' : 'indices'} for a value of shape ${formatShape(dims)}`, dims.length === 0 ? 'a scalar has no dims to index' : `give at most ${dims.length}`);
    }
    const out: Dim[] = [];
    for (let axis = 0; axis < e.parts.length; axis++) {
      const part = e.parts[axis]!;
      const d = dims[axis]!;
      if (part.kind === 'at') {
        const t = this.typeOf(part.index);
        if (!t) return undefined;
        if (t.item.length > 0) {
          return this.#report('shape-mismatch', part.index.span, `an index must be one number per element, got shape ${formatShape(t.item)}`, 'index with a scalar: a constant, a size, or an integer draw such as a categorical');
        }
        if (t.constant !== undefined) {
          if (!Number.isInteger(t.constant)) return this.#report('not-integer', part.index.span, `index ${t.constant} is not an integer`, 'indices are 0-based integers');
          if (typeof d === 'number' && (t.constant >= d || t.constant < -d)) {
            return this.#report('index-out-of-range', part.index.span, `index ${t.constant} is out of range for a dim of size ${d}`, `valid indices are 0 to ${d - 1} (or -${d} to -1 from the end)`);
          }
        } else if (t.asDim === undefined && t.elem === 'real') {
          return this.#report('not-integer', part.index.span, 'an index must be an integer, and this expression holds real numbers', 'index with constants, sizes, int data, or categorical/poisson/bernoulli draws');
        }
        continue;
      }
      const bound = (x: Expr | undefined): number | Dim | undefined | false => {
        if (!x) return undefined;
        const t = this.typeOf(x);
        if (!t) return false;
        if (t.constant !== undefined && Number.isInteger(t.constant)) return t.constant;
        if (t.asDim !== undefined) return t.asDim;
        this.#report('not-constant', x.span, 'slice bounds must be integer constants or sizes', 'write e.g. h[:20] or h[D:]');
        return false;
      };
      const start = bound(part.start);
      const end = bound(part.end);
      if (start === false || end === false) return undefined;
      const length = sliceLength(d, start, end);
      if (length === 0) {
        return this.#report('index-out-of-range', part.span, `this slice is empty (the dim has size ${String(d)})`, 'slices are start:end with start included and end excluded, 0-based');
      }
      out.push(length);
    }
    out.push(...dims.slice(e.parts.length));
    return { item: out, elem: target.elem, ...(target.positive ? { positive: true } : {}) };
  }

  #array(e: ArrayExpr): ValueType | undefined {
    if (e.elements.length === 0) return this.#report('shape-mismatch', e.span, 'an empty array has no shape', 'give at least one element');
    let item: Dim[] | undefined;
    const elems = new Set<ValueType['elem']>();
    let positive = true;
    for (const element of e.elements) {
      const t = this.typeOf(element);
      if (!t) return undefined;
      elems.add(t.elem);
      positive &&= t.positive === true;
      if (item === undefined) {
        item = [...t.item];
        continue;
      }
      const joined = broadcast(item, t.item);
      if ('failure' in joined) {
        return this.#report('shape-mismatch', element.span, `array elements have different shapes: ${formatShape(item)} and ${formatShape(t.item)}`, 'every element of [a, b, ...] must have the same shape');
      }
      item = joined.shape;
    }
    const elem: ValueType['elem'] = elems.has('real') ? 'real' : elems.has('int') ? 'int' : 'bool';
    return { item: [e.elements.length, ...item!], elem, ...(positive ? { positive } : {}) };
  }
}

/** Python-style slice length when the dim and bounds are numbers; the dim itself for `:`; else unknown. */
function sliceLength(d: Dim, start: number | Dim | undefined, end: number | Dim | undefined): Dim {
  if (start === undefined && end === undefined) return d;
  if (typeof d !== 'number') return start === undefined && end !== undefined && typeof end === 'number' && end > 0 ? end : null;
  const s = start === undefined ? 0 : typeof start === 'number' ? start : null;
  const t = end === undefined ? d : typeof end === 'number' ? end : null;
  if (s === null || t === null) return null;
  const clamp = (i: number): number => Math.min(d, Math.max(0, i < 0 ? d + i : i));
  return Math.max(0, clamp(t) - clamp(s));
}
