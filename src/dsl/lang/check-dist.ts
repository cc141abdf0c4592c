import type { DistCall, Expr } from './ast.js';
import { bindArguments } from './bind-args.js';
import type { Typer } from './check-expr.js';
import { diagnostic, suggestion, type Diagnostic } from './diagnostics.js';
import { DISTRIBUTIONS, type DistSpec, type Support } from './distributions.js';
import { FUNCTIONS } from './functions.js';
import { broadcast, formatShape, sameDim, type Dim, type Elem } from './static-shapes.js';

/** The static type of a draw from a distribution call (`normal(h[:20], s)[3]`). */
export interface DrawType {
  readonly spec: DistSpec;
  /** iid dims ++ broadcast of the arguments' batch parts ++ the distribution's event shape. */
  readonly item: readonly Dim[];
  readonly elem: Elem;
  readonly support: Support;
}

export interface DistContext {
  readonly typer: Typer;
  report(d: Diagnostic): void;
  /** If `e` is a bare reference to a param declared plain `real`, its name (for support warnings). */
  unconstrainedParam(e: Expr): string | undefined;
}

/** Names people write for the library's distributions (used only for "did you mean"). */
const ALIASES: Readonly<Record<string, string>> = {
  gaussian: 'normal',
  norm: 'normal',
  lognorm: 'lognormal',
  logNormal: 'lognormal',
  half_normal: 'halfNormal',
  halfnormal: 'halfNormal',
  half_cauchy: 'halfCauchy',
  halfcauchy: 'halfCauchy',
  truncnorm: 'truncatedNormal',
  truncated_normal: 'truncatedNormal',
  truncatednormal: 'truncatedNormal',
  student_t: 'studentT',
  studentt: 'studentT',
  t: 'studentT',
  exp: 'exponential',
  mvn: 'multivariateNormal',
  multivariate_normal: 'multivariateNormal',
  mvnormal: 'multivariateNormal',
  cat: 'categorical',
  discrete: 'categorical',
  bern: 'bernoulli',
  binom: 'binomial',
  pois: 'poisson',
  dirac: 'delta',
  point: 'delta',
};

const POSITIVE_SUPPORT: readonly Support[] = ['positive', 'unit', 'simplex'];

export function isPositiveSupport(s: Support): boolean {
  return POSITIVE_SUPPORT.includes(s);
}

function signatureText(spec: DistSpec): string {
  const positional = spec.positional.join(', ');
  const alternatives = spec.alternatives.map((g) => g.join(' | ')).join('; ');
  return `${spec.name}(${positional})${alternatives ? ` with one of ${alternatives}` : ''}`;
}

/**
 * Check a distribution call: the name, the arguments (positional or named, alternatives such as
 * probs | logits), their shapes against each other, constant values against their domains, and the
 * iid shape; returns the type of one draw.
 */
export function checkDistribution(call: DistCall, ctx: DistContext): DrawType | undefined {
  const name = call.name.name;
  const spec = DISTRIBUTIONS.get(name);
  if (!spec) {
    for (const a of call.args) ctx.typer.typeOf(a.value); // still report undefined names in the arguments
    if (name === '') return undefined;
    const alias = ALIASES[name] ?? ALIASES[name.toLowerCase()];
    const hint = alias
      ? `did you mean '${alias}'?`
      : FUNCTIONS.has(name)
        ? `'${name}' is a function; after '~' comes a distribution (${[...DISTRIBUTIONS.keys()].slice(0, 6).join(', ')}, ...)`
        : suggestion(name, [...DISTRIBUTIONS.keys()], 'distribution');
    ctx.report(diagnostic('unknown-distribution', call.name.span, `unknown distribution '${name}'`, hint));
    return undefined;
  }
  const bound = bindArguments(call.args, { what: name, positional: spec.positional, names: spec.args.map((a) => a.name) }, (d) => ctx.report(d));
  if (!bound) return undefined;
  let ok = true;
  for (const group of spec.alternatives) {
    const given = group.filter((g) => bound.has(g));
    if (given.length === 0) {
      ctx.report(diagnostic('missing-argument', call.span, `${name} needs one of ${group.join(', ')}`, `e.g. ${name}(${spec.positional.filter((p) => !group.includes(p)).map((p) => `${p}, `).join('')}${group[group.length - 1]} = ...)`));
      ok = false;
    } else if (given.length > 1) {
      ctx.report(diagnostic('conflicting-arguments', bound.get(given[1]!)!.span, `${name}: give ${group.join(' or ')}, not ${given.join(' and ')}`, `remove all but one of ${given.join(', ')}`));
      ok = false;
    }
  }
  const inGroup = new Set(spec.alternatives.flat());
  for (const a of spec.args) {
    if (!a.optional && !inGroup.has(a.name) && !bound.has(a.name)) {
      ctx.report(diagnostic('missing-argument', call.span, `${name}: argument '${a.name}' is missing`, signatureText(spec)));
      ok = false;
    }
  }
  if (!ok) return undefined;

  const items = new Map<string, readonly Dim[]>();
  const constants = new Map<string, number>();
  let outer: Dim[] = [];
  let outerFrom = '';
  for (const a of spec.args) {
    const arg = bound.get(a.name);
    if (!arg) continue;
    const t = ctx.typer.typeOf(arg.value);
    if (!t) {
      ok = false;
      continue;
    }
    const native = a.nativeRank === 'all' ? t.item.length : a.nativeRank;
    if (t.item.length < native && !(a.scalarOk && t.item.length === 0)) {
      ctx.report(
        diagnostic(
          'shape-mismatch',
          arg.value.span,
          `${name}: '${a.name}' needs at least ${native} dim${native === 1 ? '' : 's'} (${native === 1 ? 'a vector' : 'a matrix'}), got shape ${formatShape(t.item)}`,
          a.name === 'probs' || a.name === 'logits' ? 'give one entry per category, e.g. a simplex[K] param or a K-vector of logits' : `give a ${native === 1 ? 'vector' : 'matrix'}`,
        ),
      );
      ok = false;
      continue;
    }
    const c = t.constant;
    if (c !== undefined) {
      constants.set(a.name, c);
      const bad =
        (a.domain === 'positive' && !(c > 0)) ||
        (a.domain === 'probability' && !(c >= 0 && c <= 1)) ||
        (a.domain === 'count' && !(Number.isInteger(c) && c >= 0)) ||
        (a.domain === 'real' && !Number.isFinite(c));
      if (bad) {
        const want = a.domain === 'positive' ? 'positive' : a.domain === 'probability' ? 'a probability in [0, 1]' : a.domain === 'count' ? 'a non-negative integer' : 'finite';
        ctx.report(diagnostic('invalid-value', arg.value.span, `${name}: '${a.name}' must be ${want}, got ${c}`, `change the value of ${a.name}`));
        ok = false;
        continue;
      }
    } else if ((a.domain === 'positive' || a.domain === 'probability') && t.positive !== true) {
      const param = ctx.unconstrainedParam(arg.value);
      if (param) {
        ctx.report(
          diagnostic(
            'support-mismatch',
            arg.value.span,
            `${name}: '${a.name}' must be ${a.domain === 'positive' ? 'positive' : 'in [0, 1]'}, but param '${param}' is declared real and can leave that range`,
            a.domain === 'positive' ? `declare it 'param ${param}: positive', or pass softplus(${param}) or exp(${param})` : `declare it 'param ${param}: unit', or pass sigmoid(${param})`,
            'warning',
          ),
        );
      }
    }
    items.set(a.name, t.item);
    const own = t.item.slice(0, Math.max(0, t.item.length - native));
    const joined = broadcast(outer, own);
    if ('failure' in joined) {
      ctx.report(
        diagnostic(
          'shape-mismatch',
          arg.value.span,
          `${name}: '${a.name}' has shape ${formatShape(t.item)}, which does not broadcast with '${outerFrom}' (${formatShape(outer)})`,
          'arguments broadcast from the right: their dims must be equal or 1',
        ),
      );
      ok = false;
      continue;
    }
    outer = joined.shape;
    outerFrom = outerFrom || a.name;
  }
  if (!ok) return undefined;
  if (spec.name === 'multivariateNormal' && !checkMvnDims(items, call, ctx)) return undefined;
  const low = constants.get('low');
  const high = constants.get('high');
  if (spec.name === 'truncatedNormal' && low !== undefined && high !== undefined && !(low < high)) {
    ctx.report(diagnostic('invalid-value', bound.get('high')!.value.span, `truncatedNormal: low must be less than high, got low = ${low}, high = ${high}`, 'swap the bounds, or leave one out for a one-sided truncation'));
    return undefined;
  }

  const iid: Dim[] = [];
  for (const e of call.shape) {
    const t = ctx.typer.typeOf(e);
    if (!t) return undefined;
    if (t.asDim === undefined) {
      const message = t.constant !== undefined ? `${t.constant} is not a valid size` : 'the number of draws must be a positive integer constant or a size';
      ctx.report(diagnostic(t.constant !== undefined ? 'invalid-value' : 'not-constant', e.span, message, 'write e.g. normal(0, 1)[20] or normal(0, 1)[D] for independent draws'));
      return undefined;
    }
    iid.push(t.asDim);
  }
  const support = spec.supportFor ? spec.supportFor(new Set(bound.keys()), constants) : spec.support;
  return { spec, item: [...iid, ...outer, ...spec.eventShape(items)], elem: spec.elem, support };
}

function checkMvnDims(items: ReadonlyMap<string, readonly Dim[]>, call: DistCall, ctx: DistContext): boolean {
  const loc = items.get('loc');
  for (const key of ['scaleTril', 'covariance']) {
    const m = items.get(key);
    if (!m) continue;
    const [rows, cols] = [m[m.length - 2]!, m[m.length - 1]!];
    if (sameDim(rows, cols) === 'no') {
      ctx.report(diagnostic('shape-mismatch', call.span, `multivariateNormal: ${key} must be square, got shape ${formatShape(m)}`, 'give a [D, D] matrix'));
      return false;
    }
    if (loc && loc.length > 0 && sameDim(loc[loc.length - 1]!, cols) === 'no') {
      ctx.report(diagnostic('shape-mismatch', call.span, `multivariateNormal: loc has size ${String(loc[loc.length - 1])} but ${key} is ${formatShape(m)}`, 'loc is [D] and the scale [D, D]'));
      return false;
    }
  }
  const diag = items.get('scaleDiag');
  if (diag && loc && loc.length > 0 && sameDim(loc[loc.length - 1]!, diag[diag.length - 1]!) === 'no') {
    ctx.report(diagnostic('shape-mismatch', call.span, `multivariateNormal: loc has size ${String(loc[loc.length - 1])} but scaleDiag has ${String(diag[diag.length - 1])}`, 'loc and scaleDiag are both [D]'));
    return false;
  }
  return true;
}
