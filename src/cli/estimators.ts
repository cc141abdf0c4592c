import type { Estimator } from '../inference/estimator.js';
import { cisir, elbo, iwae, mlrr, mlss, rws, sumo } from '../inference/index.js';

/**
 * The estimators `roulette fit --estimator NAME` knows, with the command-line options each reads.
 * To add one: an entry here (its flags become `fit` options and appear in `roulette fit --help`).
 */

export interface EstimatorFlag {
  /** The option as written on the command line, without dashes (`k`, `particles`, `max-level`). */
  readonly flag: string;
  readonly type: 'integer' | 'number' | 'boolean';
  readonly help: string;
}

/** Parsed flag values, by flag name (absent when not given). */
export type FlagValues = Readonly<Record<string, number | boolean | undefined>>;

/** What `gradients`/`svi` take: one estimator for both groups, or one per group. */
export type EstimatorChoice = { readonly estimator: Estimator } | { readonly model: Estimator; readonly guide: Estimator };

export interface EstimatorEntry {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly EstimatorFlag[];
  create(values: FlagValues): EstimatorChoice;
}

const num = (values: FlagValues, flag: string): number | undefined => values[flag] as number | undefined;
const bool = (values: FlagValues, flag: string): boolean | undefined => values[flag] as boolean | undefined;

/** Only the options that were given (exactOptionalPropertyTypes: no `key: undefined`). */
function given<T extends object>(options: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/** iwae's and rws's options. */
const PARTICLES_AND_DREG: readonly EstimatorFlag[] = [
  { flag: 'k', type: 'integer', help: 'particles per datapoint (default 5)' },
  { flag: 'dreg', type: 'boolean', help: 'doubly reparameterised guide gradient (Tucker et al. 2019)' },
];
const GUIDE_K: EstimatorFlag = { flag: 'k', type: 'integer', help: "draws of the guide's IWAE objective (default 5)" };
const DEBIASED: readonly EstimatorFlag[] = [
  { flag: 'per-datapoint', type: 'boolean', help: 'draw one level per datapoint instead of one per minibatch' },
  { flag: 'max-draws', type: 'integer', help: 'refuse a step needing more draws per datapoint (default 65536)' },
];
const MULTILEVEL: readonly EstimatorFlag[] = [
  { flag: 'r', type: 'number', help: 'geometric level law P(K = k) = r (1 - r)^k; finite cost needs r > 1/2 (default 0.6)' },
  { flag: 'level', type: 'integer', help: 'start level l: the base term uses 2^l draws (default 0)' },
  { flag: 'max-level', type: 'integer', help: 'cap on the level (then unbiased for a finite IWAE bound, not log p(x))' },
  GUIDE_K,
  ...DEBIASED,
];

function debiasedOptions(values: FlagValues) {
  const k = num(values, 'k');
  return given<{ perDatapoint: boolean; maxDraws: number; guide: Estimator }>({
    perDatapoint: bool(values, 'per-datapoint'),
    maxDraws: num(values, 'max-draws'),
    guide: k === undefined ? undefined : iwae({ k }),
  });
}

function multilevelOptions(values: FlagValues) {
  return { ...debiasedOptions(values), ...given<{ r: number; level: number; maxLevel: number }>({ r: num(values, 'r'), level: num(values, 'level'), maxLevel: num(values, 'max-level') }) };
}

const ENTRIES: readonly EstimatorEntry[] = [
  {
    name: 'elbo',
    summary: 'the evidence lower bound (reparameterised and score-function gradients)',
    flags: [
      { flag: 'particles', type: 'integer', help: 'particles averaged per step (default 1)' },
      { flag: 'analytic-kl', type: 'boolean', help: 'closed-form KL for normal/normal latents' },
    ],
    create: (v) => ({ estimator: elbo(given({ particles: num(v, 'particles'), analyticKL: bool(v, 'analytic-kl') })) }),
  },
  {
    name: 'iwae',
    summary: 'the importance-weighted bound log mean_k w_k (Burda et al. 2016)',
    flags: PARTICLES_AND_DREG,
    create: (v) => {
      const k = num(v, 'k') ?? 5;
      return bool(v, 'dreg') ? { model: iwae({ k }), guide: iwae({ k, dreg: true }) } : { estimator: iwae({ k }) };
    },
  },
  {
    name: 'rws',
    summary: "reweighted wake-sleep: IWAE's model gradient, the guide fitted to cover the posterior (inclusive KL)",
    flags: PARTICLES_AND_DREG,
    create: (v) => {
      const k = num(v, 'k') ?? 5;
      return { model: rws({ k }), guide: rws({ k, dreg: bool(v, 'dreg') ?? false }) };
    },
  },
  {
    name: 'sumo',
    summary: 'SUMO: unbiased log p(x) by Russian roulette over IWAE increments (Luo et al. 2020)',
    flags: [{ flag: 'm', type: 'integer', help: 'draws in the base IWAE term (default 1)' }, GUIDE_K, ...DEBIASED],
    create: (v) => ({ estimator: sumo({ ...debiasedOptions(v), ...given<{ m: number }>({ m: num(v, 'm') }) }) }),
  },
  {
    name: 'mlss',
    summary: 'single-sample multilevel Monte Carlo, unbiased for log p(x) (Shi & Cornish 2021)',
    flags: MULTILEVEL,
    create: (v) => ({ estimator: mlss(multilevelOptions(v)) }),
  },
  {
    name: 'mlrr',
    summary: 'Russian-roulette multilevel Monte Carlo, unbiased for log p(x) (Shi & Cornish 2021)',
    flags: MULTILEVEL,
    create: (v) => ({ estimator: mlrr(multilevelOptions(v)) }),
  },
  {
    name: 'cisir',
    summary: 'unbiased model gradient from coupled ISIR-DISIR chains (Ruiz et al. 2021); the guide by IWAE-DReG',
    flags: [
      { flag: 'k', type: 'integer', help: 'particles per chain state, and of the guide objective (default 10)' },
      { flag: 'lag', type: 'integer', help: 'lag L between the coupled chains (default 10)' },
      { flag: 't0', type: 'integer', help: 'burn-in: the first averaged iteration (default 1)' },
      { flag: 'window', type: 'integer', help: 'how many states are averaged from t0 on (default L)' },
      { flag: 'plain-isir', type: 'boolean', help: 'ISIR steps only (no DISIR step; works with discrete guide sites)' },
      { flag: 'max-iterations', type: 'integer', help: 'stop chains that have not met after this many iterations (biased; default 2000)' },
      { flag: 'refine', type: 'integer', help: 'refine the proposal per datapoint with this many steps first (normal guide sites; default 0)' },
    ],
    create: (v) => {
      const k = num(v, 'k') ?? 10;
      const refine = num(v, 'refine') ?? 0;
      const model = cisir({
        k,
        ...given<{ lag: number; t0: number; window: number; maxIterations: number }>({
          lag: num(v, 'lag'),
          t0: num(v, 't0'),
          window: num(v, 'window'),
          maxIterations: num(v, 'max-iterations'),
        }),
        kernel: bool(v, 'plain-isir') ? 'isir' : 'isir-disir',
        refine: refine > 0 ? { steps: refine } : false,
      });
      return { model, guide: iwae({ k, dreg: !bool(v, 'plain-isir') }) };
    },
  },
];

export const ESTIMATORS: ReadonlyMap<string, EstimatorEntry> = new Map(ENTRIES.map((e) => [e.name, e]));

/** Every estimator flag (for the option table of `fit`), first definition wins. */
export function allEstimatorFlags(): EstimatorFlag[] {
  const seen = new Map<string, EstimatorFlag>();
  for (const e of ESTIMATORS.values()) for (const f of e.flags) if (!seen.has(f.flag)) seen.set(f.flag, f);
  return [...seen.values()];
}
