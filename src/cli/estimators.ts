import { ESTIMATOR_REGISTRY, optionHelp, type EstimatorChoice, type EstimatorValues } from '../inference/registry.js';

/**
 * The estimators `roulette fit --estimator NAME` knows: the library's registry
 * (src/inference/registry.ts), its options as command-line flags. An estimator added there appears
 * here, with its flags as `fit` options and in `roulette fit --help`.
 */

export interface EstimatorFlag {
  /** The option as written on the command line, without dashes (`k`, `particles`, `max-level`). */
  readonly flag: string;
  readonly type: 'integer' | 'number' | 'boolean';
  /** With the default. */
  readonly help: string;
}

/** Parsed flag values, by flag name (absent when not given). */
export type FlagValues = EstimatorValues;
export type { EstimatorChoice };

export interface EstimatorEntry {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly EstimatorFlag[];
  create(values: FlagValues): EstimatorChoice;
}

export const ESTIMATORS: ReadonlyMap<string, EstimatorEntry> = new Map(
  [...ESTIMATOR_REGISTRY.values()].map((e) => [
    e.name,
    {
      name: e.name,
      summary: e.summary,
      flags: e.options.map((o) => ({ flag: o.key, type: o.spec.kind, help: optionHelp(o) })),
      create: (values: FlagValues) => e.create(values),
    },
  ]),
);

/** Every estimator flag (for the option table of `fit`), first definition wins. */
export function allEstimatorFlags(): EstimatorFlag[] {
  const seen = new Map<string, EstimatorFlag>();
  for (const e of ESTIMATORS.values()) for (const f of e.flags) if (!seen.has(f.flag)) seen.set(f.flag, f);
  return [...seen.values()];
}
