import * as dist from '../distributions/index.js';
import type { Distribution, TensorLike } from '../distributions/distribution.js';
import type { Dim, Elem } from './static-shapes.js';

/**
 * The distributions a `.ppl` file can name: the library's factories with their argument names,
 * positional order, how many trailing dims each argument spends on one draw ("native rank": the
 * categories of a categorical, the matrix of a multivariate normal's scale), and where draws live.
 */

/** Where draws live, for checking that a guide cannot propose values the model rules out. */
export type Support = 'real' | 'positive' | 'unit' | 'simplex' | 'interval' | 'boolean' | 'category' | 'count' | 'point';

/** What values an argument admits (checked for constants by the checker, for everything by the library). */
export type ArgDomain = 'real' | 'positive' | 'probability' | 'count' | 'logit';

export interface DistArg {
  readonly name: string;
  /** Trailing item dims that belong to one draw ('all' for delta's value). */
  readonly nativeRank: number | 'all';
  readonly domain: ArgDomain;
  /** Has a default (studentT's loc and scale). */
  readonly optional?: boolean;
  /** A plain number is accepted even though the native rank is positive (broadcast by the library). */
  readonly scalarOk?: boolean;
}

export interface DistSpec {
  readonly name: string;
  readonly args: readonly DistArg[];
  /** What positional arguments mean, in order. */
  readonly positional: readonly string[];
  /** Groups of which exactly one must be given ({ probs } or { logits }). */
  readonly alternatives: readonly (readonly string[])[];
  readonly elem: Elem;
  readonly support: Support;
  /**
   * Where draws live when that depends on the arguments (a truncated normal's bounds): given the
   * arguments present and the constant values among them; `support` when absent.
   */
  supportFor?(given: ReadonlySet<string>, constants: ReadonlyMap<string, number>): Support;
  /** The event shape of one draw, from the item shapes of the given arguments. */
  eventShape(items: ReadonlyMap<string, readonly Dim[]>): Dim[];
  /**
   * Build the library distribution from arguments already laid out for broadcasting; `itemRanks`
   * gives each argument's item rank (delta's event is its value's item dims).
   */
  build(args: ReadonlyMap<string, TensorLike>, itemRanks: ReadonlyMap<string, number>): Distribution;
}

const scalarArgs = (...names: string[]): DistArg[] => names.map((name) => ({ name, nativeRank: 0, domain: 'real' as ArgDomain }));

function arg(args: ReadonlyMap<string, TensorLike>, name: string): TensorLike {
  return args.get(name)!;
}

const noEvent = (): Dim[] => [];

function lastDim(items: ReadonlyMap<string, readonly Dim[]>, ...names: string[]): Dim {
  for (const n of names) {
    const item = items.get(n);
    if (item && item.length > 0) return item[item.length - 1]!;
  }
  return null;
}

function probsOrLogits(args: ReadonlyMap<string, TensorLike>): { probs: TensorLike } | { logits: TensorLike } {
  return args.has('logits') ? { logits: arg(args, 'logits') } : { probs: arg(args, 'probs') };
}

function withDomains(names: readonly string[], domains: readonly ArgDomain[]): DistArg[] {
  return scalarArgs(...names).map((a, i) => ({ ...a, domain: domains[i]! }));
}

/** A law over scalar reals whose arguments are scalars, positional in the order given (most of them). */
function scalarLaw(
  name: string,
  args: readonly (readonly [string, ArgDomain])[],
  support: Support,
  build: DistSpec['build'],
): DistSpec {
  const names = args.map(([n]) => n);
  return {
    name,
    args: withDomains(names, args.map(([, d]) => d)),
    positional: names,
    alternatives: [],
    elem: 'real',
    support,
    eventShape: noEvent,
    build,
  };
}

const SPECS: readonly DistSpec[] = [
  scalarLaw('normal', [['loc', 'real'], ['scale', 'positive']], 'real', (a) => dist.normal(arg(a, 'loc'), arg(a, 'scale'))),
  scalarLaw('lognormal', [['loc', 'real'], ['scale', 'positive']], 'positive', (a) => dist.lognormal(arg(a, 'loc'), arg(a, 'scale'))),
  scalarLaw('uniform', [['low', 'real'], ['high', 'real']], 'interval', (a) => dist.uniform(arg(a, 'low'), arg(a, 'high'))),
  scalarLaw('exponential', [['rate', 'positive']], 'positive', (a) => dist.exponential(arg(a, 'rate'))),
  scalarLaw('laplace', [['loc', 'real'], ['scale', 'positive']], 'real', (a) => dist.laplace(arg(a, 'loc'), arg(a, 'scale'))),
  {
    name: 'studentT',
    args: [
      { name: 'df', nativeRank: 0, domain: 'positive' },
      { name: 'loc', nativeRank: 0, domain: 'real', optional: true },
      { name: 'scale', nativeRank: 0, domain: 'positive', optional: true },
    ],
    positional: ['df', 'loc', 'scale'],
    alternatives: [],
    elem: 'real',
    support: 'real',
    eventShape: noEvent,
    build: (a) => dist.studentT(arg(a, 'df'), a.get('loc') ?? 0, a.get('scale') ?? 1),
  },
  scalarLaw('cauchy', [['loc', 'real'], ['scale', 'positive']], 'real', (a) => dist.cauchy(arg(a, 'loc'), arg(a, 'scale'))),
  scalarLaw('halfNormal', [['scale', 'positive']], 'positive', (a) => dist.halfNormal(arg(a, 'scale'))),
  scalarLaw('halfCauchy', [['scale', 'positive']], 'positive', (a) => dist.halfCauchy(arg(a, 'scale'))),
  {
    // The language has no infinity: a missing bound is an open side (truncatedNormal(0, 1, low = 0)).
    name: 'truncatedNormal',
    args: [
      { name: 'loc', nativeRank: 0, domain: 'real' },
      { name: 'scale', nativeRank: 0, domain: 'positive' },
      { name: 'low', nativeRank: 0, domain: 'real', optional: true },
      { name: 'high', nativeRank: 0, domain: 'real', optional: true },
    ],
    positional: ['loc', 'scale', 'low', 'high'],
    alternatives: [],
    elem: 'real',
    support: 'interval',
    supportFor: (given, constants) => {
      if (!given.has('low') && !given.has('high')) return 'real';
      const low = constants.get('low');
      const high = constants.get('high');
      if (low !== undefined && low >= 0 && high !== undefined && high <= 1) return 'unit';
      if (low !== undefined && low >= 0 && !given.has('high')) return 'positive';
      return 'interval';
    },
    eventShape: noEvent,
    build: (a) => dist.truncatedNormal(arg(a, 'loc'), arg(a, 'scale'), a.get('low') ?? -Infinity, a.get('high') ?? Infinity),
  },
  scalarLaw('gamma', [['concentration', 'positive'], ['rate', 'positive']], 'positive', (a) => dist.gamma(arg(a, 'concentration'), arg(a, 'rate'))),
  scalarLaw('beta', [['concentration1', 'positive'], ['concentration0', 'positive']], 'unit', (a) => dist.beta(arg(a, 'concentration1'), arg(a, 'concentration0'))),
  {
    name: 'dirichlet',
    args: [{ name: 'concentration', nativeRank: 1, domain: 'positive' }],
    positional: ['concentration'],
    alternatives: [],
    elem: 'real',
    support: 'simplex',
    eventShape: (items) => [lastDim(items, 'concentration')],
    build: (a) => dist.dirichlet(arg(a, 'concentration')),
  },
  {
    name: 'bernoulli',
    args: [
      { name: 'probs', nativeRank: 0, domain: 'probability' },
      { name: 'logits', nativeRank: 0, domain: 'logit' },
    ],
    positional: ['probs'],
    alternatives: [['probs', 'logits']],
    elem: 'bool',
    support: 'boolean',
    eventShape: noEvent,
    build: (a) => dist.bernoulli(probsOrLogits(a)),
  },
  {
    name: 'categorical',
    args: [
      { name: 'probs', nativeRank: 1, domain: 'positive' },
      { name: 'logits', nativeRank: 1, domain: 'logit' },
    ],
    positional: ['probs'],
    alternatives: [['probs', 'logits']],
    elem: 'int',
    support: 'category',
    eventShape: noEvent,
    build: (a) => dist.categorical(probsOrLogits(a)),
  },
  {
    name: 'binomial',
    args: [
      { name: 'totalCount', nativeRank: 0, domain: 'count' },
      { name: 'probs', nativeRank: 0, domain: 'probability' },
      { name: 'logits', nativeRank: 0, domain: 'logit' },
    ],
    positional: ['totalCount', 'probs'],
    alternatives: [['probs', 'logits']],
    elem: 'int',
    support: 'count',
    eventShape: noEvent,
    build: (a) => dist.binomial(arg(a, 'totalCount'), probsOrLogits(a)),
  },
  {
    name: 'poisson',
    args: withDomains(['rate'], ['positive']),
    positional: ['rate'],
    alternatives: [],
    elem: 'int',
    support: 'count',
    eventShape: noEvent,
    build: (a) => dist.poisson(arg(a, 'rate')),
  },
  {
    name: 'multivariateNormal',
    args: [
      { name: 'loc', nativeRank: 1, domain: 'real', scalarOk: true },
      { name: 'scaleTril', nativeRank: 2, domain: 'real' },
      { name: 'covariance', nativeRank: 2, domain: 'real' },
      { name: 'scaleDiag', nativeRank: 1, domain: 'positive' },
    ],
    positional: ['loc', 'scaleTril'],
    alternatives: [['scaleTril', 'covariance', 'scaleDiag']],
    elem: 'real',
    support: 'real',
    eventShape: (items) => [lastDim(items, 'loc', 'scaleTril', 'covariance', 'scaleDiag')],
    build: (a) => {
      const loc = arg(a, 'loc');
      if (a.has('covariance')) return dist.multivariateNormal(loc, { covariance: arg(a, 'covariance') });
      if (a.has('scaleDiag')) return dist.multivariateNormal(loc, { scaleDiag: arg(a, 'scaleDiag') });
      return dist.multivariateNormal(loc, { scaleTril: arg(a, 'scaleTril') });
    },
  },
  {
    name: 'delta',
    args: [{ name: 'value', nativeRank: 'all', domain: 'logit' }],
    positional: ['value'],
    alternatives: [],
    elem: 'real',
    support: 'point',
    eventShape: (items) => [...(items.get('value') ?? [])],
    build: (a, itemRanks) => dist.delta(arg(a, 'value'), { eventDim: itemRanks.get('value') ?? 0 }),
  },
];

export const DISTRIBUTIONS: ReadonlyMap<string, DistSpec> = new Map(SPECS.map((s) => [s.name, s]));

/** Draws from `guide` can be scored by `model` (no support mismatch the checker can see). */
export function supportWithin(guide: Support, model: Support): boolean {
  if (guide === 'point' || model === 'interval' || guide === model) return true;
  const continuous = (s: Support) => s === 'real' || s === 'positive' || s === 'unit' || s === 'simplex' || s === 'interval';
  if (continuous(guide) !== continuous(model)) return false;
  if (!continuous(guide)) return model === 'count' || (model === 'category' && guide === 'boolean');
  switch (model) {
    case 'real':
      return true;
    case 'positive':
      return guide === 'unit' || guide === 'simplex';
    default:
      return false;
  }
}

export function describeSupport(s: Support): string {
  switch (s) {
    case 'real':
      return 'real numbers';
    case 'positive':
      return 'positive numbers';
    case 'unit':
      return 'numbers in (0, 1)';
    case 'simplex':
      return 'probability vectors';
    case 'interval':
      return 'an interval';
    case 'boolean':
      return '0 and 1';
    case 'category':
      return 'category indices 0, 1, ...';
    case 'count':
      return 'counts 0, 1, 2, ...';
    case 'point':
      return 'one point';
  }
}
