/**
 * The estimators the page offers: the command line's table (src/cli/estimators.ts: the same names,
 * options and help as `roulette fit`), plus C-ISIR, which the command line does not offer yet.
 */
import { ESTIMATORS as COMMAND_LINE, type EstimatorEntry, type FlagValues } from '../../../src/cli/estimators.js';
import { cisir, iwae } from '../../../src/inference/index.js';
import type { Dataset, EstimatorName } from './datasets.js';

const integer = (values: FlagValues, flag: string, fallback: number): number => (values[flag] as number | undefined) ?? fallback;

/**
 * C-ISIR for a data set: 'isir-disir' (DISIR steps, DReG guide objective) needs a reparameterised
 * guide; discrete guides (the mixture's c) get plain ISIR and a plain IWAE guide objective.
 */
function cisirEntry(defaultDisir: boolean): EstimatorEntry {
  return {
    name: 'cisir',
    summary: 'coupled ISIR: unbiased grad log p(x) for the model params from lag-L coupled chains (Ruiz et al. 2021)',
    flags: [
      { flag: 'k', type: 'integer', help: 'particles per chain state' },
      { flag: 'lag', type: 'integer', help: 'lag L between the coupled chains' },
      { flag: 'max-iterations', type: 'integer', help: 'stop chains that have not met after this many iterations (biased; stats.capped counts them); bounds the time of one step' },
      { flag: 'disir', type: 'boolean', help: 'alternate ISIR with DISIR steps (kernel isir-disir): needs a reparameterised guide' },
    ],
    create: (v) => {
      const k = integer(v, 'k', 5);
      const disir = (v['disir'] as boolean | undefined) ?? defaultDisir;
      return {
        estimator: cisir({
          k,
          lag: integer(v, 'lag', 5),
          maxIterations: integer(v, 'max-iterations', 200),
          kernel: disir ? 'isir-disir' : 'isir',
          guide: iwae({ k, dreg: disir }),
        }),
      };
    },
  };
}

/** The estimators that apply to `dataset`, in the gallery's order. */
export function estimatorsFor(dataset: Dataset): readonly EstimatorEntry[] {
  return dataset.estimators.map((name) => (name === 'cisir' ? cisirEntry(dataset.cisirKernel === 'isir-disir') : COMMAND_LINE.get(name)!));
}

/**
 * What the form starts with: the gallery's hyperparameters (examples/registry.ts defaults). Flags not
 * listed start empty, meaning the estimator's own default.
 */
export function initialFlagValues(name: EstimatorName, dataset: Dataset): FlagValues {
  const common = { particles: 1, k: 5, m: 1, r: 0.6, level: 0 };
  return name === 'cisir' ? { k: 5, lag: 5, 'max-iterations': 200, disir: dataset.cisirKernel === 'isir-disir' } : common;
}
