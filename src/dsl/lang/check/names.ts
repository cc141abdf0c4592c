import type { CallExpr, NameRef } from '../ast.js';
import type { NetType, TyperContext } from '../check-expr.js';
import { suggestion, type DiagnosticCode } from '../diagnostics.js';
import { DISTRIBUTIONS } from '../distributions.js';
import { FUNCTIONS } from '../functions.js';
import { ACTIVATIONS } from '../nets.js';
import type { Resolution } from '../program-info.js';
import { sameDim, type Dim, type ValueType } from '../static-shapes.js';
import { article, type Binding, type CheckState, type PlateContext, type Scope } from './state.js';

/** The innermost binding of `name` in the current scope, with the scope that holds it. */
export function lookupScope(state: CheckState, name: string): { binding: Binding; scope: Scope } | undefined {
  for (let s = state.scope; s; s = s.parent) {
    const b = s.names.get(name);
    if (b) return { binding: b, scope: s };
  }
  return undefined;
}

/** Plates entered since `definedIn` (all enclosing plates for globals), outermost first. */
export function platesSince(state: CheckState, definedIn: Scope | undefined): PlateContext[] {
  const plates: PlateContext[] = [];
  for (let s = state.scope; s && s !== definedIn; s = s.parent) if (s.plate) plates.unshift(s.plate);
  return plates;
}

/** The names of the enclosing plates, outermost first. */
export function platePath(state: CheckState): string[] {
  const path: string[] = [];
  for (let s = state.scope; s; s = s.parent) if (s.plate) path.unshift(s.plate.name);
  return path;
}

/** Leading item dims that equal enclosing plates' sizes (in nesting order) are indexed by them. */
export function gathers(item: readonly Dim[], plates: readonly PlateContext[]): { gathers: string[]; rest: readonly Dim[] } {
  const names: string[] = [];
  let at = 0;
  for (const p of plates) {
    if (at < item.length && p.size !== null && sameDim(item[at]!, p.size) === 'yes') {
      names.push(p.name);
      at++;
    }
  }
  return { gathers: names, rest: item.slice(at) };
}

function resolved(state: CheckState, ref: NameRef, kind: Resolution['kind'], type: ValueType | undefined, definedIn: Scope | undefined): ValueType | undefined {
  if (!type) return undefined;
  const { gathers: indexedBy, rest } = gathers(type.item, platesSince(state, definedIn));
  state.resolutions.set(ref, { kind, name: ref.name, gathers: indexedBy });
  return indexedBy.length === 0 ? type : { ...type, item: rest };
}

function value(state: CheckState, ref: NameRef): ValueType | undefined {
  const local = state.mode === 'block' ? lookupScope(state, ref.name) : undefined;
  if (local) return resolved(state, ref, local.binding.kind, local.binding.type, local.scope);
  const g = state.globals.get(ref.name);
  if (!g) {
    missing(state, ref);
    return undefined;
  }
  switch (g.kind) {
    case 'size':
      state.resolutions.set(ref, { kind: 'size', name: g.name, gathers: [] });
      return { item: [], elem: 'int', asDim: g.name, positive: true };
    case 'const':
      return resolved(state, ref, 'const', g.type, undefined);
    case 'net':
      state.report('not-a-value', ref.span, `'${g.name}' is a net, not a value`, `call it on an input: ${g.name}(x)`);
      return undefined;
    case 'data':
      if (state.mode === 'const') {
        state.report('not-constant', ref.span, `${article(g)} cannot be used here: shapes, sizes and consts are known before the data is read`, 'use numbers, consts and size names');
        return undefined;
      }
      g.used = true;
      return resolved(state, ref, 'data', { item: g.item, elem: g.elem }, undefined);
    case 'param': {
      if (state.mode !== 'block') {
        state.report('not-constant', ref.span, `${article(g)} cannot be used here`, 'shapes and initial values use numbers, consts, sizes and data');
        return undefined;
      }
      if (state.role) g.usedBy.add(state.role);
      const positive = g.type === 'positive' || g.type === 'unit' || g.type === 'simplex' || (g.type === 'real' && g.bounds.lower !== undefined && g.bounds.lower >= 0);
      return resolved(state, ref, 'param', { item: g.item, elem: 'real', ...(positive ? { positive } : {}) }, undefined);
    }
  }
}

/** Report an unknown name, with the likeliest reason as the hint. */
function missing(state: CheckState, ref: NameRef): void {
  const name = ref.name;
  if (name === '') return;
  const role = state.role;
  let hint: string | undefined;
  if (role && state.mode === 'block') {
    const here = state.bindings[role].get(name);
    const other = state.bindings[role === 'model' ? 'guide' : 'model'].get(name);
    if (here && here.span.start.offset > ref.span.start.offset) hint = `'${name}' is defined later, at line ${here.span.start.line}; use it after its definition`;
    else if (here) hint = `'${name}' is defined inside plate '${here.plate ?? '?'}' (line ${here.span.start.line}) and is only visible there`;
    else if (other) hint = `'${name}' is defined in the ${role === 'model' ? 'guide' : 'model'}; the model and the guide share only latent names, not definitions`;
  }
  if (!hint && FUNCTIONS.has(name)) hint = `'${name}' is a function; call it: ${name}(...)`;
  if (!hint && DISTRIBUTIONS.has(name)) hint = `'${name}' is a distribution; sample from it: z ~ ${name}(...)`;
  if (!hint && (ACTIVATIONS as readonly string[]).includes(name)) hint = `activations are used in net declarations; as a function, use ${FUNCTIONS.has(name) ? `${name}(x)` : 'a function such as tanh(x)'}`;
  if (!hint) {
    const visible = new Set<string>();
    for (let s = state.scope; s; s = s.parent) for (const n of s.names.keys()) visible.add(n);
    for (const [n, g] of state.globals) if (state.mode === 'block' || g.kind === 'const' || g.kind === 'size') visible.add(n);
    hint = state.mode === 'const' ? 'sizes are named in data shapes (data x: real[N, D]) or declared with const (const K = 3)' : suggestion(name, [...visible], 'name');
  }
  const code: DiagnosticCode = state.mode === 'const' ? 'unbound-size' : 'undefined-name';
  state.report(code, ref.span, code === 'unbound-size' ? `'${name}' is not a known size or constant` : `'${name}' is not defined`, hint);
}

function net(state: CheckState, name: string, call: CallExpr): NetType | undefined {
  if (state.mode === 'block' && lookupScope(state, name)) return undefined;
  const g = state.globals.get(name);
  if (g?.kind !== 'net') return undefined;
  if (state.mode !== 'block') {
    state.report('not-constant', call.span, `net '${name}' cannot be used here`, 'nets are used in the model and the guide');
    return undefined;
  }
  if (state.role) g.usedBy.add(state.role);
  state.netCalls.add(call);
  return g.net;
}

function isValue(state: CheckState, name: string): boolean {
  if (lookupScope(state, name)) return true;
  const g = state.globals.get(name);
  return g !== undefined && g.kind !== 'net';
}

/**
 * Name resolution for the expression typer: what a name refers to in the current scope and mode
 * (recording it for the lowering), or a report of why it cannot be used there.
 */
export function typerContext(state: CheckState): TyperContext {
  return {
    value: (ref) => value(state, ref),
    net: (name, call) => net(state, name, call),
    isValue: (name) => isValue(state, name),
    netNames: () => [...state.globals.values()].filter((g) => g.kind === 'net').map((g) => g.name),
    report: (d) => state.diagnostics.push(d),
  };
}
