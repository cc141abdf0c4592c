import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import type { PlateFrame } from '../runtime/messages.js';
import type { SampleSite } from '../runtime/trace.js';

/**
 * Summing enumerated latents out of a model's log density (docs/enumeration.md).
 *
 * Under the enumerate handler an enumerated site's value is its support along a dim of its own, and
 * every log-prob that depends on it varies along that dim. Enumerated sites that share a dependent
 * log-prob form a group (they are summed out jointly). For a group in plates P, the log-probs of its
 * sites are summed over everything but P's dims, the particle dim and the group's dims, and then
 * log-sum-exp'd over the group's dims: one marginal per particle and per element of P (per datapoint
 * in a mixture), before anything sums over P. The enumerated sites' scale (a plate's subsample N / B,
 * a `scale` handler) is taken off first and put back after: log sum exp(s a) is not s log sum exp(a).
 *
 * Supported: the enumerated sites of a group lie in the same plates, and every site depending on them
 * lies in all of those plates (a global site cannot depend on a per-datapoint enumerated one).
 */

/** One site's contribution to a log density: its (possibly replaced) log-prob tensor. */
export interface Term {
  readonly site: SampleSite;
  readonly tensor: tf.Tensor;
  /** The tensor is not the site's own log-prob (a closed-form KL, say). */
  readonly replaced: boolean;
}

/** The enumerated sites of a trace. */
export function enumeratedSites(sites: readonly SampleSite[]): SampleSite[] {
  return sites.filter((s) => s.enumDim !== undefined);
}

/** The enumerated sites whose dims `t` varies along. */
function dependencies(t: tf.Tensor, enumerated: readonly SampleSite[]): SampleSite[] {
  return enumerated.filter((e) => {
    const axis = t.rank + e.enumDim!;
    return axis >= 0 && t.shape[axis]! > 1;
  });
}

/** Does this site's log-prob depend on an enumerated value? */
export function dependsOnEnumerated(site: SampleSite, sites: readonly SampleSite[]): boolean {
  return dependencies(site.logProb, enumeratedSites(sites)).length > 0;
}

const sameFrame = (a: PlateFrame, b: PlateFrame): boolean => a.name === b.name && a.dim === b.dim;

/** Drop the (size-1) axes left of the particle dim, so the particle dim is leftmost again. */
function dropLeft(t: tf.Tensor, particleDim: number): tf.Tensor {
  const keep = -particleDim;
  if (t.rank <= keep) return t;
  const extra = t.shape.slice(0, t.rank - keep);
  if (extra.some((n) => n !== 1)) {
    fail('shape-mismatch', `enumeration: a log-prob of shape [${t.shape.join(', ')}] still varies along an enumerated dim after summing out`);
  }
  return tf.reshape(t, t.shape.slice(t.rank - keep));
}

/**
 * The terms with every enumerated group summed out: tensors with the particle dim leftmost, each paired
 * with a site whose plates describe it (for the caller's reduction to particles and datapoints).
 */
export function sumOutEnumerated(terms: readonly Term[], enumerated: readonly SampleSite[]): { site: SampleSite; tensor: tf.Tensor }[] {
  // The first enumerated dim sits just left of the particle dim.
  const particleDim = Math.max(...enumerated.map((e) => e.enumDim!)) + 1;
  const deps = terms.map((t) => dependencies(t.tensor, enumerated));

  // Groups: enumerated sites joined by a term that depends on both (union-find by name).
  const parent = new Map(enumerated.map((e) => [e.name, e.name] as const));
  const root = (name: string): string => {
    let r = name;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const d of deps) for (let i = 1; i < d.length; i++) parent.set(root(d[i]!.name), root(d[0]!.name));

  const out: { site: SampleSite; tensor: tf.Tensor }[] = [];
  terms.forEach((t, i) => {
    if (deps[i]!.length === 0) out.push({ site: t.site, tensor: dropLeft(t.tensor, particleDim) });
  });
  const groups = new Map<string, number[]>();
  deps.forEach((d, i) => {
    if (d.length === 0) return;
    const r = root(d[0]!.name);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  for (const members of groups.values()) {
    const group = enumerated.filter((e) => members.some((i) => deps[i]!.includes(e)));
    out.push(sumOutGroup(members.map((i) => terms[i]!), group, particleDim));
  }
  return out;
}

function sumOutGroup(terms: readonly Term[], group: readonly SampleSite[], particleDim: number): { site: SampleSite; tensor: tf.Tensor } {
  const names = group.map((e) => `'${e.name}'`).join(', ');
  const anchor = group[0]!;
  const plates = anchor.plates;
  for (const e of group) {
    const same = e.plates.length === plates.length && e.plates.every((p) => plates.some((q) => sameFrame(p, q)));
    if (!same) {
      fail(
        'unsupported-model',
        `enumerated sites ${names} are summed out together (a site depends on both) but lie in different plates ` +
          `('${anchor.name}' in ${plateList(plates)}, '${e.name}' in ${plateList(e.plates)}); this is not supported: ` +
          'enumerate only one of them, or sample the other in the guide',
        e.name,
      );
    }
  }
  for (const { site, replaced } of terms) {
    const missing = plates.find((p) => !site.plates.some((q) => sameFrame(p, q)));
    if (missing) {
      fail(
        'unsupported-model',
        `site '${site.name}' depends on the enumerated ${names} of plate '${missing.name}' but lies outside that plate; ` +
          'summing out per element of the plate needs every dependent site inside it: sample the enumerated site in the guide instead',
        site.name,
      );
    }
    if (replaced) {
      fail(
        'unsupported-model',
        `site '${site.name}' depends on the enumerated ${names}, and its log-prob was replaced by a closed-form term ` +
          "(elbo's analyticKL), which cannot be summed out with them; use elbo without analyticKL",
        site.name,
      );
    }
  }
  const keptDims = new Set<number>([particleDim, ...plates.map((p) => p.dim), ...group.map((e) => e.enumDim!)]);
  // The enumerated sites' scale (subsampling of their plates, a scale handler): off before the log-sum-exp.
  const scale = anchor.scale;
  const other = group.find((e) => e.scale !== scale);
  if (other) {
    fail(
      'unsupported-model',
      `enumerated sites ${names} are summed out together but have different log-prob scales (${scale} for '${anchor.name}', ` +
        `${other.scale} for '${other.name}'); put them under the same scale and plates`,
      other.name,
    );
  }
  let joint: tf.Tensor = tf.scalar(0);
  for (const { tensor } of terms) {
    const axes: number[] = [];
    for (let a = 0; a < tensor.rank; a++) if (!keptDims.has(a - tensor.rank)) axes.push(a);
    const summed = axes.length > 0 ? tf.sum(tensor, axes, true) : tensor;
    joint = tf.add(joint, scale === 1 ? summed : tf.div(summed, scale));
  }
  const enumAxes = group.map((e) => joint.rank + e.enumDim!).filter((a) => a >= 0);
  let marginal = tf.logSumExp(joint, enumAxes, true);
  if (scale !== 1) marginal = tf.mul(marginal, scale);
  return { site: anchor, tensor: dropLeft(marginal, particleDim) };
}

function plateList(plates: readonly PlateFrame[]): string {
  return plates.length === 0 ? 'no plate' : plates.map((p) => `'${p.name}'`).join(', ');
}
