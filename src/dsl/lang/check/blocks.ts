import type { AssignStmt, BlockDecl, FactorStmt, PlateStmt, SampleStmt, Span, Statement } from '../ast.js';
import { bindArguments } from '../bind-args.js';
import { checkDistribution, isPositiveSupport } from '../check-dist.js';
import { describeSupport } from '../distributions.js';
import type { PlateRecord } from '../plate-registry.js';
import type { Role } from '../program-info.js';
import { broadcastsTo, formatShape, type Dim } from '../static-shapes.js';
import { gathers, lookupScope, platePath, platesSince } from './names.js';
import { article, kindWord, Scope, type CheckState, type Global } from './state.js';

type Draw = ReturnType<typeof checkDistribution>;

/** Record every name a block binds, before checking it (for "defined later / inside a plate / in the other block" hints). */
export function collectBindings(state: CheckState, role: Role, body: readonly Statement[], plate: string | undefined): void {
  for (const s of body) {
    if (s.kind === 'assign' || s.kind === 'sample') {
      if (!state.bindings[role].has(s.target.name)) state.bindings[role].set(s.target.name, { span: s.target.span, plate });
    } else if (s.kind === 'plate') {
      collectBindings(state, role, s.body, s.name.name);
    }
  }
}

/** Check the statements of the model or the guide, recording its sites and plates. */
export function checkBlock(state: CheckState, role: Role, block: BlockDecl): void {
  state.role = role;
  state.mode = 'block';
  state.scope = new Scope(undefined, undefined);
  statements(state, block.body);
  state.scope = undefined;
  state.role = undefined;
}

function statements(state: CheckState, body: readonly Statement[]): void {
  for (const s of body) {
    switch (s.kind) {
      case 'assign':
        assign(state, s);
        break;
      case 'sample':
        sample(state, s);
        break;
      case 'plate':
        plate(state, s);
        break;
      case 'factor':
        factor(state, s);
        break;
    }
  }
}

/** Report a name that cannot be (re)bound here; false when it is free. */
function taken(state: CheckState, name: string, span: Span, what: string): boolean {
  const g = state.globals.get(name);
  if (g) {
    state.report('duplicate-name', span, `'${name}' is already ${g.kind === 'size' ? 'a size' : `declared as ${kindWord[g.kind]}`} (line ${g.span.start.line})`, `give the ${what} another name`);
    return true;
  }
  const local = lookupScope(state, name);
  if (local) {
    const was = local.binding.kind === 'latent' ? 'sampled' : 'defined';
    state.report(local.binding.kind === 'latent' ? 'duplicate-site' : 'duplicate-name', span, `'${name}' is already ${was} at line ${local.binding.span.start.line}`, `give the ${what} another name (each name is bound once)`);
    return true;
  }
  return false;
}

function assign(state: CheckState, s: AssignStmt): void {
  const type = state.typer.typeOf(s.value);
  if (taken(state, s.target.name, s.target.span, 'definition') || s.target.name === '') return;
  state.scope!.names.set(s.target.name, { kind: 'local', name: s.target.name, type, span: s.target.span });
}

function sample(state: CheckState, s: SampleStmt): void {
  const role = state.role!;
  const name = s.target.name;
  const g = state.globals.get(name);
  const draw = checkDistribution(s.dist, {
    typer: state.typer,
    report: state.push,
    unconstrainedParam: (e) => {
      if (e.kind !== 'name' || lookupScope(state, e.name)) return undefined;
      const p = state.globals.get(e.name);
      return p?.kind === 'param' && p.type === 'real' && p.bounds.lower === undefined ? p.name : undefined;
    },
  });
  if (name === '') return;
  if (s.enumerate) checkEnumerate(state, s, role, g?.kind === 'data', draw);
  if (g?.kind === 'data') {
    observe(state, s, g, draw);
    return;
  }
  if (g) {
    state.report('observe-non-data', s.target.span, `'${name}' is ${kindWord[g.kind]}, and only data can be observed`, g.kind === 'param' ? `a latent needs its own name (z ~ ...); to learn '${name}', use it inside a distribution` : `to sample a latent, use a new name; to observe values, declare them: data ${name}: real[...]`);
    return;
  }
  if (taken(state, name, s.target.span, 'latent')) return;
  const sites = state.sites[role];
  if (sites.has(name)) {
    state.report('duplicate-site', s.target.span, `'${name}' is already sampled at line ${sites.get(name)!.stmt.span.start.line}`, 'each latent is sampled once per block');
    return;
  }
  state.samples.set(s, { observed: false, gathers: [] });
  const plates = platePath(state);
  sites.set(name, { kind: 'latent', stmt: s, draw: draw && { item: draw.item, support: draw.support, distribution: draw.spec.name }, plates });
  state.scope!.names.set(name, {
    kind: 'latent',
    name,
    type: draw && { item: draw.item, elem: draw.elem, ...(isPositiveSupport(draw.support) ? { positive: true } : {}) },
    span: s.target.span,
  });
}

/** `z ~ d enumerate`: a model latent with a finite, scalar support (the runtime sums it out per plate element). */
function checkEnumerate(state: CheckState, s: SampleStmt, role: Role, observed: boolean, draw: Draw): void {
  const span = s.enumerate!;
  const name = s.target.name;
  if (role === 'guide') {
    state.report('enumerated-in-guide', span, `the guide enumerates '${name}', but enumeration sums out a model latent`, `mark the model's '${name} ~ ...' enumerate and leave '${name}' out of the guide`);
  } else if (observed) {
    state.report('enumerate-unsupported', span, `'${name}' is data: an observation cannot be enumerated`, 'remove enumerate (only latents are summed out)');
  } else if (draw && draw.spec.name !== 'categorical' && draw.spec.name !== 'bernoulli') {
    state.report('enumerate-unsupported', span, `'${name}' ~ ${draw.spec.name}(...) cannot be enumerated: enumeration needs a finite support`, 'enumerate categorical or bernoulli latents; sample the others in the guide');
  } else if (draw && draw.item.length > 0) {
    state.report(
      'enumerate-unsupported',
      span,
      `'${name}' has shape ${formatShape(draw.item)}: an enumerated latent must be a single value (per element of its plates)`,
      'declare the independent values with a plate: plate items(N) { z ~ categorical(p) enumerate }',
    );
  }
}

/** `x ~ d` for data x: an observation, in the model, inside plates that index the data's leading dims. */
function observe(state: CheckState, s: SampleStmt, g: Extract<Global, { kind: 'data' }>, draw: Draw): void {
  const role = state.role!;
  g.used = true;
  if (role === 'guide') {
    state.report('observe-in-guide', s.target.span, `the guide observes data '${g.name}'`, `observe data in the model; the guide reads it (e.g. h = encoder(${g.name})) and samples latents`);
    return;
  }
  const sites = state.sites.model;
  if (sites.has(g.name)) {
    state.report('duplicate-site', s.target.span, `data '${g.name}' is already observed at line ${sites.get(g.name)!.stmt.span.start.line}`, 'observe each data variable once');
    return;
  }
  const enclosing = platePath(state);
  const plates = platesSince(state, undefined);
  const { gathers: indexedBy, rest } = gathers(g.item, plates);
  const unmatched = plates.find((p) => p.size !== null && !indexedBy.includes(p.name));
  if (unmatched) {
    const position = indexedBy.length;
    const dim = g.item[position];
    state.report(
      'plate-size-mismatch',
      s.target.span,
      `'${g.name}' is observed inside plate '${unmatched.name}' of size ${String(unmatched.size)}, but ${dim === undefined ? `'${g.name}' has no dim left for it` : `its dim ${position + 1} is ${String(dim)}`} (declared ${formatShape(g.item)})`,
      dim === undefined ? `observe '${g.name}' outside plate '${unmatched.name}'` : `make the plate's size the data's: plate ${unmatched.name}(${String(dim)})`,
    );
    return;
  }
  state.samples.set(s, { observed: true, gathers: indexedBy });
  if (!draw) return;
  if (!broadcastsTo(draw.item, rest)) {
    state.report(
      'shape-mismatch',
      s.dist.span,
      `${draw.spec.name} draws values of shape ${formatShape(draw.item)} but '${g.name}' has shape ${formatShape(rest)}${indexedBy.length > 0 ? ` per element of plate '${indexedBy[indexedBy.length - 1]}'` : ''}`,
      'the distribution must broadcast to the data: its dims are matched from the right',
    );
    return;
  }
  if ((draw.elem === 'int' || draw.elem === 'bool') && g.elem === 'real') {
    state.report('support-mismatch', s.target.span, `${draw.spec.name} draws ${describeSupport(draw.support)}, but '${g.name}' is declared real`, `declare it 'data ${g.name}: ${draw.elem}[...]' so its values are checked when the data is read`, 'warning');
  }
  sites.set(g.name, { kind: 'observed', stmt: s, draw: { item: rest, support: draw.support, distribution: draw.spec.name }, plates: enclosing });
}

function plate(state: CheckState, s: PlateStmt): void {
  const name = s.name.name;
  const bound = bindArguments([{ name: undefined, value: s.size, span: s.size.span }, ...s.options], { what: `plate '${name}'`, positional: ['size'], names: ['size', 'subsample'] }, state.push);
  let size: Dim = null;
  let subsample: Dim | undefined;
  const sizeType = state.typer.typeOf(s.size);
  if (sizeType && sizeType.asDim === undefined) {
    state.report('not-constant', s.size.span, `plate '${name}': the size must be a positive integer constant or a size name`, 'write e.g. plate data(N), where N is a dim of the data');
  } else if (sizeType) {
    size = sizeType.asDim!;
  }
  const sub = bound?.get('subsample');
  if (sub) {
    const t = state.typer.typeOf(sub.value);
    if (t && t.asDim === undefined) {
      state.report('not-constant', sub.value.span, `plate '${name}': subsample must be a positive integer constant or a size`, 'write e.g. plate data(N, subsample = 64)');
    } else if (t) {
      subsample = t.asDim!;
      if (typeof subsample === 'number' && typeof size === 'number' && subsample > size) {
        state.report('invalid-value', sub.value.span, `plate '${name}': subsample ${subsample} is larger than the plate (${size})`, `use at most ${size}`);
      }
    }
  }
  if (name !== '') registerPlate(state, { name, parent: platePath(state).pop(), size, subsample, span: s.name.span });
  const outer = state.scope;
  state.scope = new Scope(outer, { name, size });
  statements(state, s.body);
  state.scope = outer;
}

function registerPlate(state: CheckState, p: PlateRecord): void {
  const g = state.globals.get(p.name);
  if (g) {
    state.report('duplicate-name', p.span, `plate '${p.name}' has the name of ${article(g)}`, 'plates, sites and params share one namespace; rename the plate');
    return;
  }
  state.plates.register(p, state.push);
}

function factor(state: CheckState, s: FactorStmt): void {
  state.typer.typeOf(s.value);
  if (state.role === 'guide') {
    state.report('factor-in-guide', s.span, 'factor(...) in the guide', 'factors add to the model\'s log density; move it to the model');
  }
}
