import { fail } from '../runtime/errors.js';
import { cisir, CISIR_OPTION_SPECS, type CisirOptions } from './cisir.js';
import { DEBIASED_GUIDE_K, DEBIASED_OPTION_SPECS } from './debiased.js';
import { elbo, ELBO_OPTION_SPECS } from './elbo.js';
import type { Estimator } from './estimator.js';
import { iwae, IWAE_OPTION_SPECS } from './iwae.js';
import { REFINE_OPTION_SPECS } from './local-refinement.js';
import { mlrr } from './mlrr.js';
import { mlss } from './mlss.js';
import { MULTILEVEL_OPTION_SPECS } from './multilevel.js';
import { checkOptions, type OptionSpec } from './options.js';
import { rws, RWS_OPTION_SPECS } from './rws.js';
import { sumo, SUMO_OPTION_SPECS } from './sumo.js';

/**
 * The estimators by name, for tools: `roulette fit --estimator NAME` (src/cli/estimators.ts), the
 * example runner (examples/run.ts), the playground's form, the benchmark and the table of
 * docs/estimators.md (test/inference/registry.test.ts checks it) all read this one list. Each option
 * is a scalar (a flag, a form field) whose range and default are the estimator module's own spec.
 *
 * To add an estimator: its module exports its option specs, it gets a name below and an entry in
 * ENTRIES, and a section in docs/estimators.md.
 */

export const ESTIMATOR_NAMES = ['elbo', 'iwae', 'rws', 'sumo', 'mlss', 'mlrr', 'cisir'] as const;
export type EstimatorName = (typeof ESTIMATOR_NAMES)[number];

/** The specs a scalar option can have: what a command-line flag or a form field can hold. */
export type ScalarSpec = Extract<OptionSpec, { readonly kind: 'integer' | 'number' | 'boolean' }>;

export interface EstimatorOption {
  /** As written on the command line and as a form field, without dashes: `k`, `max-level`. */
  readonly key: string;
  /** Its range and default: the estimator module's spec (or one derived from it, said where). */
  readonly spec: ScalarSpec;
  readonly help: string;
  /** The default in words where it is not a constant (cisir's window: the lag); else spec.default. */
  readonly defaultText?: string;
}

/** Option values by key; an absent or undefined value means the default. */
export type EstimatorValues = Readonly<Record<string, number | boolean | undefined>>;

/** What `gradients` / `svi` take: one estimator for both parameter groups, or one per group. */
export type EstimatorChoice = { readonly estimator: Estimator } | { readonly model: Estimator; readonly guide: Estimator };

/** What only the program's author can give, beyond scalar options. */
export interface EstimatorContext {
  /**
   * The guide's objective for the estimators that give the guide no signal (sumo, mlss, mlrr, cisir);
   * it replaces the one the `k` option would build.
   */
  readonly guide?: Estimator;
  /** cisir: restrict the program's arguments to the chains still running (e.g. leadingAxisDatapoints). */
  readonly selectDatapoints?: CisirOptions['selectDatapoints'];
}

export interface EstimatorEntry {
  readonly name: EstimatorName;
  /** One line: what it estimates, after whom. */
  readonly summary: string;
  readonly options: readonly EstimatorOption[];
  /** The estimator(s) for these values; a value out of its option's range is an error naming the key. */
  create(values?: EstimatorValues, context?: EstimatorContext): EstimatorChoice;
}

/** The default an option shows: its spec's, else its words, else undefined (none: e.g. no cap). */
export function optionDefault(option: EstimatorOption): string | undefined {
  return option.spec.default !== undefined ? String(option.spec.default) : option.defaultText;
}

/** The option's help with its default, as `roulette fit --help` and the playground's tooltips show it. */
export function optionHelp(option: EstimatorOption): string {
  const d = optionDefault(option);
  return d === undefined || option.spec.kind === 'boolean' ? option.help : `${option.help} (default ${d})`;
}

/** Only the given values (exactOptionalPropertyTypes: no `key: undefined`). */
function given<T extends object>(options: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

const num = (values: EstimatorValues, key: string): number | undefined => values[key] as number | undefined;
const bool = (values: EstimatorValues, key: string): boolean | undefined => values[key] as boolean | undefined;

/** iwae and rws require k; 5 is the registry's (the tools') choice. */
const K_DEFAULT = 5;

const GUIDE_K: EstimatorOption = {
  key: 'k',
  spec: { ...IWAE_OPTION_SPECS.k, default: DEBIASED_GUIDE_K },
  help: "draws of the guide's IWAE objective",
};
const DEBIASED: readonly EstimatorOption[] = [
  { key: 'per-datapoint', spec: DEBIASED_OPTION_SPECS.perDatapoint, help: 'draw one level per datapoint instead of one per minibatch' },
  { key: 'max-draws', spec: DEBIASED_OPTION_SPECS.maxDraws, help: 'refuse a step needing more draws per datapoint' },
];
const MULTILEVEL: readonly EstimatorOption[] = [
  { key: 'r', spec: MULTILEVEL_OPTION_SPECS.r, help: 'geometric level law P(K = k) = r (1 - r)^k; finite cost needs r > 1/2' },
  { key: 'level', spec: MULTILEVEL_OPTION_SPECS.level, help: 'start level l: the base term uses 2^l draws' },
  { key: 'max-level', spec: MULTILEVEL_OPTION_SPECS.maxLevel, help: 'cap on the level (then unbiased for a finite IWAE bound, not log p(x))' },
  GUIDE_K,
  ...DEBIASED,
];

function debiasedOptions(values: EstimatorValues, context: EstimatorContext) {
  const k = num(values, 'k');
  return given<{ perDatapoint: boolean; maxDraws: number; guide: Estimator }>({
    perDatapoint: bool(values, 'per-datapoint'),
    maxDraws: num(values, 'max-draws'),
    guide: context.guide ?? (k === undefined ? undefined : iwae({ k })),
  });
}

function multilevelOptions(values: EstimatorValues, context: EstimatorContext) {
  return {
    ...debiasedOptions(values, context),
    ...given<{ r: number; level: number; maxLevel: number }>({ r: num(values, 'r'), level: num(values, 'level'), maxLevel: num(values, 'max-level') }),
  };
}

interface Definition {
  readonly name: EstimatorName;
  readonly summary: string;
  readonly options: readonly EstimatorOption[];
  /** Values already checked against the options' specs. */
  build(values: EstimatorValues, context: EstimatorContext): EstimatorChoice;
}

const DEFINITIONS: readonly Definition[] = [
  {
    name: 'elbo',
    summary: 'the evidence lower bound (reparameterised and score-function gradients)',
    options: [
      { key: 'particles', spec: ELBO_OPTION_SPECS.particles, help: 'particles averaged per step' },
      { key: 'analytic-kl', spec: ELBO_OPTION_SPECS.analyticKL, help: 'closed-form KL for normal/normal latents' },
    ],
    build: (v) => ({ estimator: elbo(given({ particles: num(v, 'particles'), analyticKL: bool(v, 'analytic-kl') })) }),
  },
  {
    name: 'iwae',
    summary: 'the importance-weighted bound log mean_k w_k (Burda et al. 2016)',
    options: [
      { key: 'k', spec: { ...IWAE_OPTION_SPECS.k, default: K_DEFAULT }, help: 'particles per datapoint' },
      { key: 'dreg', spec: IWAE_OPTION_SPECS.dreg, help: 'doubly reparameterised guide gradient (Tucker et al. 2019)' },
    ],
    build: (v) => {
      const k = num(v, 'k') ?? K_DEFAULT;
      return bool(v, 'dreg') ? { model: iwae({ k }), guide: iwae({ k, dreg: true }) } : { estimator: iwae({ k }) };
    },
  },
  {
    name: 'rws',
    summary: "reweighted wake-sleep: IWAE's model gradient, the guide fitted to cover the posterior (inclusive KL)",
    options: [
      { key: 'k', spec: { ...RWS_OPTION_SPECS.k, default: K_DEFAULT }, help: 'particles per datapoint' },
      { key: 'dreg', spec: RWS_OPTION_SPECS.dreg, help: 'doubly reparameterised guide gradient (Tucker et al. 2019)' },
    ],
    build: (v) => {
      const k = num(v, 'k') ?? K_DEFAULT;
      return { model: rws({ k }), guide: rws({ k, dreg: bool(v, 'dreg') ?? RWS_OPTION_SPECS.dreg.default }) };
    },
  },
  {
    name: 'sumo',
    summary: 'SUMO: unbiased log p(x) by Russian roulette over IWAE increments (Luo et al. 2020)',
    options: [{ key: 'm', spec: SUMO_OPTION_SPECS.m, help: 'draws in the base IWAE term' }, GUIDE_K, ...DEBIASED],
    build: (v, c) => ({ estimator: sumo({ ...debiasedOptions(v, c), ...given<{ m: number }>({ m: num(v, 'm') }) }) }),
  },
  {
    name: 'mlss',
    summary: 'single-sample multilevel Monte Carlo, unbiased for log p(x) (Shi & Cornish 2021)',
    options: MULTILEVEL,
    build: (v, c) => ({ estimator: mlss(multilevelOptions(v, c)) }),
  },
  {
    name: 'mlrr',
    summary: 'Russian-roulette multilevel Monte Carlo, unbiased for log p(x) (Shi & Cornish 2021)',
    options: MULTILEVEL,
    build: (v, c) => ({ estimator: mlrr(multilevelOptions(v, c)) }),
  },
  {
    name: 'cisir',
    summary: 'unbiased model gradient from coupled ISIR-DISIR chains (Ruiz et al. 2021); the guide by IWAE-DReG',
    options: [
      { key: 'k', spec: CISIR_OPTION_SPECS.k, help: 'particles per chain state, and of the guide objective' },
      { key: 'lag', spec: CISIR_OPTION_SPECS.lag, help: 'lag L between the coupled chains' },
      { key: 't0', spec: CISIR_OPTION_SPECS.t0, help: 'burn-in: the first averaged iteration' },
      { key: 'window', spec: CISIR_OPTION_SPECS.window, help: 'how many states are averaged from t0 on', defaultText: 'L' },
      { key: 'plain-isir', spec: { kind: 'boolean', default: false }, help: 'ISIR steps only (no DISIR step; works with discrete guide sites)' },
      { key: 'max-iterations', spec: CISIR_OPTION_SPECS.maxIterations, help: 'stop chains that have not met after this many iterations (biased; stats.capped counts them)' },
      // refine's steps, where 0 (the default) means no refinement.
      { key: 'refine', spec: { ...REFINE_OPTION_SPECS.steps, min: 0, default: 0 }, help: 'refine the proposal per datapoint with this many steps first (normal guide sites; 0: none)' },
    ],
    build: (v, c) => {
      const k = num(v, 'k') ?? CISIR_OPTION_SPECS.k.default;
      const plain = bool(v, 'plain-isir') ?? false;
      const refine = num(v, 'refine') ?? 0;
      return {
        // The guide's objective rides inside cisir (it trains the guide on its own stream).
        estimator: cisir({
          k,
          ...given<{ lag: number; t0: number; window: number; maxIterations: number }>({
            lag: num(v, 'lag'),
            t0: num(v, 't0'),
            window: num(v, 'window'),
            maxIterations: num(v, 'max-iterations'),
          }),
          kernel: plain ? 'isir' : 'isir-disir',
          refine: refine > 0 ? { steps: refine } : false,
          // DReG needs reparameterised guide sites, which DISIR needs too.
          guide: c.guide ?? iwae({ k, dreg: !plain }),
          ...(c.selectDatapoints ? { selectDatapoints: c.selectDatapoints } : {}),
        }),
      };
    },
  },
];

function entryOf(d: Definition): EstimatorEntry {
  const specs = Object.fromEntries(d.options.map((o) => [o.key, o.spec]));
  return {
    name: d.name,
    summary: d.summary,
    options: d.options,
    create(values = {}, context = {}) {
      checkOptions(d.name, values, specs);
      return d.build(values, context);
    },
  };
}

/** Every estimator by name, in the order tools list them. */
export const ESTIMATOR_REGISTRY: ReadonlyMap<EstimatorName, EstimatorEntry> = new Map(DEFINITIONS.map((d) => [d.name, entryOf(d)]));

export function isEstimatorName(name: string): name is EstimatorName {
  return (ESTIMATOR_NAMES as readonly string[]).includes(name);
}

/** The entry of `name`; an unknown name is an error listing the known ones. */
export function estimatorEntry(name: string): EstimatorEntry {
  if (!isEstimatorName(name)) fail('invalid-argument', `unknown estimator '${name}'; use one of ${ESTIMATOR_NAMES.join(', ')}`, 'estimator');
  return ESTIMATOR_REGISTRY.get(name)!;
}
