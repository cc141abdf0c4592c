/**
 * The estimators the page offers: the library's registry (src/inference/registry.ts: the same names,
 * options, ranges, defaults and help as `roulette fit`), restricted to those that apply to the data set.
 */
import { ESTIMATOR_REGISTRY, type EstimatorEntry, type EstimatorName, type EstimatorValues } from '../../../src/inference/index.js';
import type { Dataset } from './datasets.js';

/** The estimators that apply to `dataset`, in the gallery's order. */
export function estimatorsFor(dataset: Dataset): readonly EstimatorEntry[] {
  return dataset.estimators.map((name) => ESTIMATOR_REGISTRY.get(name)!);
}

/**
 * C-ISIR's settings in the page: smaller than the library's defaults (k 10, lag 10, 2000 iterations)
 * so that a fit of a few hundred steps takes seconds. The form shows them filled in; an emptied field
 * means the library's default.
 */
export const PLAYGROUND_CISIR = { k: 5, lag: 5, 'max-iterations': 200 } as const;

/**
 * What the form starts with: the gallery's hyperparameters (examples/registry.ts), filled in where they
 * are not the library's default. Options not listed start empty, meaning the library's default.
 */
export function initialValues(name: EstimatorName, dataset: Dataset): EstimatorValues {
  const gallery: EstimatorValues =
    name === 'cisir' ? { ...PLAYGROUND_CISIR, 'plain-isir': dataset.cisirKernel !== 'isir-disir' } : { particles: 1, k: 5, m: 1, r: 0.6, level: 0 };
  const own = new Set(ESTIMATOR_REGISTRY.get(name)!.options.map((o) => o.key));
  return Object.fromEntries(Object.entries(gallery).filter(([key]) => own.has(key)));
}
