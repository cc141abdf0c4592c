import type { Span } from '../ast.js';
import { checkAgreement } from '../check-agreement.js';
import { fileStart } from '../diagnostics.js';
import type { LatentInfo, ProgramInfo, Role } from '../program-info.js';
import { closest } from '../../../runtime/names.js';
import { kindNoun, type CheckState, type Global } from './state.js';

/** What the file as a whole must have once every block is checked. */
export interface FileRules {
  /** Accept a file without a `guide { }` block. */
  readonly guideOptional: boolean;
  /** Accept declared data the program never uses (a warning instead of an error). */
  readonly allowUnusedData: boolean;
}

/**
 * The checks of the file as a whole: a model block (and a guide unless optional), model/guide
 * agreement, plates named apart from sites, and declarations that nothing uses.
 */
export function checkWholeFile(state: CheckState, rules: FileRules): void {
  const { model, guide } = state.blocks;
  if (!model) state.report('missing-model', fileStart, 'the file has no model block', 'add model { ... } with the generative story: latents z ~ ..., observations x ~ ...');
  if (!guide && !rules.guideOptional) {
    state.report('missing-guide', model?.keyword ?? fileStart, 'the file has no guide block', 'add guide { ... } sampling every latent of the model (automatic guides: compile(text, { autoGuide }))');
  }
  if (model && guide) checkAgreement(state.sites.model, state.sites.guide, (name) => state.globals.get(name)?.kind === 'data', state.push);
  const clashing = new Set<string>();
  for (const role of ['model', 'guide'] as const) {
    for (const [name, site] of state.sites[role]) {
      const plate = state.plates.get(name);
      if (plate && !clashing.has(name) && clashing.add(name)) state.report('duplicate-name', plate.span, `plate '${name}' has the name of ${site.kind === 'latent' ? 'a latent' : 'observed data'} (line ${site.stmt.span.start.line})`, 'plates and sites share one namespace; rename the plate');
    }
  }
  for (const g of state.globals.values()) {
    if (g.kind === 'data' && !g.used && model) unusedData(state, g.name, g.span, rules.allowUnusedData);
    if ((g.kind === 'param' || g.kind === 'net') && g.usedBy.size === 0) state.report('unused', g.span, `${kindNoun[g.kind]} '${g.name}' is never used`, 'use it or remove it', 'warning');
    if ((g.kind === 'param' || g.kind === 'net') && g.usedBy.size === 2) {
      state.report('shared-param', g.span, `${kindNoun[g.kind]} '${g.name}' is used by both the model and the guide; it belongs to the guide`, "the guide's estimator updates it; declare separate params if the model needs its own", 'warning');
    }
  }
}

/** Declared data nothing reads: an error (unless allowed), naming a latent it was likely meant to be. */
function unusedData(state: CheckState, name: string, span: Span, allowed: boolean): void {
  const latents = [...state.sites.model].filter(([, s]) => s.kind === 'latent').map(([n]) => n);
  const near = closest(name, latents);
  const site = near === undefined ? undefined : state.sites.model.get(near);
  const hint =
    site !== undefined
      ? `did you mean to observe it? '${near} ~ ...' (line ${site.stmt.span.start.line}) samples a new latent; write '${name} ~ ...'`
      : 'observe it in the model (' + name + ' ~ ...), use it, or remove the declaration';
  const allow = allowed ? '' : '; to fit anyway, allow unused data (roulette --allow-unused-data, compile(text, { allowUnusedData: true }))';
  state.report(allowed ? 'unused' : 'unused-data', span, `data '${name}' is never used, so the fit ignores it`, `${hint}${allow}`, allowed ? 'warning' : 'error');
}

/** What the lowering needs from a checked file (call it only when there were no errors). */
export function programInfo(state: CheckState): ProgramInfo {
  const plates = state.plates.infos();
  const latents = (role: Role): LatentInfo[] =>
    [...state.sites[role]].filter(([, s]) => s.kind === 'latent' && s.draw).map(([name, s]) => ({ name, plates: s.plates, item: s.draw!.item, support: s.draw!.support }));
  const data = [...state.globals.values()]
    .filter((g): g is Extract<Global, { kind: 'data' }> => g.kind === 'data')
    .map((g) => ({ name: g.name, elem: g.elem, dims: g.item.map((d) => d ?? 0), decl: g.decl }));
  return {
    resolutions: state.resolutions,
    samples: state.samples,
    netCalls: state.netCalls,
    plates,
    data,
    latents: { model: latents('model'), guide: latents('guide') },
    hasGuide: state.blocks.guide !== undefined,
  };
}
