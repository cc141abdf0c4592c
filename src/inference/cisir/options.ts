import { fail } from '../../runtime/errors.js';
import type { Estimator } from '../estimator.js';
import { checkRefineOptions, type RefineOptions } from '../local-refinement.js';
import { checkOptions, type OptionSpecs } from '../options.js';
import { averagingWindow, type AveragingWindow } from './window.js';

export type CisirKernel = 'isir' | 'disir' | 'isir-disir';

export interface CisirOptions {
  /**
   * Compile the chains' batched evaluation (docs/compile.md): one program per live batch size, the
   * same numbers as eager iterations. Default true (false where ROULETTE_COMPILE=0).
   */
  readonly compile?: boolean;
  /** Told once per reason why an iteration runs eagerly; default: console.warn. */
  readonly onCompileNote?: (note: string) => void;
  /** Particles per chain state (default 10). */
  readonly k?: number;
  /** Lag L between the coupled chains (default 10). */
  readonly lag?: number;
  /** Burn-in t0: the first iteration whose state the estimator averages (default 1). */
  readonly t0?: number;
  /**
   * How many states it averages, u_{t0} .. u_{t0 + window - 1} (default L, Ruiz et al.'s choice). A
   * later t0 and a longer window lower the variance (fewer correction terms, more states averaged) at
   * the cost of at least t0 + window - 1 iterations; Jacob et al. suggest t0 near a high quantile of the
   * meeting time.
   */
  readonly window?: number;
  /**
   * 'isir', or 'isir-disir' (default): one ISIR step then one DISIR step per iteration. ('disir' alone is
   * rejected: coupled DISIR chains cannot meet.)
   */
  readonly kernel?: CisirKernel;
  /** DISIR's autoregression coefficient, adapted between estimates towards ESS = 0.3 K (default 0.5). */
  readonly beta?: number;
  readonly adaptBeta?: boolean;
  /** Stop after this many iterations even if some pairs have not met (biases the estimate; default 2000). */
  readonly maxIterations?: number;
  /** The guide's objective (default iwae({ k, dreg: true })). */
  readonly guide?: Estimator;
  /**
   * How to restrict the program's arguments to a subset of the datapoints (indices into the data plate,
   * in order; `batch` is the full count), e.g. `leadingAxisDatapoints`. With it, iterations after most
   * pairs have met evaluate only the pairs still running (the same numbers, a fraction of the cost:
   * otherwise every iteration evaluates every datapoint until the slowest pair meets).
   */
  readonly selectDatapoints?: (args: readonly unknown[], datapoints: Int32Array, batch: number) => unknown[];
  /**
   * Refine the proposal per datapoint before running the chains (semi-amortised; see
   * local-refinement.ts): `true` for the defaults, or the fitting's options. The chains' meeting time is
   * set by how well the proposal covers each posterior, and an encoder's q(z | x) is worst on the hardest
   * datapoints, which dominate the mean. Normal guide sites only; the estimate stays unbiased.
   */
  readonly refine?: boolean | RefineOptions;
}

/** cisir's options: ranges and defaults (window's default is the lag, the guide's iwae({ k, dreg: true })). */
export const CISIR_OPTION_SPECS = {
  compile: { kind: 'boolean' },
  onCompileNote: { kind: 'function' },
  k: { kind: 'integer', min: 2, default: 10 },
  lag: { kind: 'integer', min: 1, default: 10 },
  t0: { kind: 'integer', min: 1, default: 1 },
  window: { kind: 'integer', min: 1 },
  kernel: { kind: 'oneOf', values: ['isir', 'disir', 'isir-disir'], default: 'isir-disir' },
  beta: { kind: 'number', min: 0, below: 1, default: 0.5 },
  adaptBeta: { kind: 'boolean', default: true },
  maxIterations: { kind: 'integer', min: 1, default: 2000 },
  guide: { kind: 'estimator' },
  selectDatapoints: { kind: 'function' },
  refine: { kind: 'custom', expects: 'true, false or refine options { steps, k, lr, inflate }' },
} as const satisfies OptionSpecs;

/** cisir's options checked, with the defaults filled in: what the chains run with. */
export interface CisirSettings {
  readonly k: number;
  readonly lag: number;
  readonly window: number;
  readonly kernel: Exclude<CisirKernel, 'disir'>;
  readonly maxIterations: number;
  /** The averaged states and the correction terms' weights v_t (1 for every t when window = L). */
  readonly averaging: AveragingWindow;
  /** DISIR's coefficient for the first estimate (0 for the ISIR kernel). */
  readonly beta: number;
  readonly adaptBeta: boolean;
  readonly selectDatapoints: CisirOptions['selectDatapoints'];
  readonly refine: RefineOptions | undefined;
}

/** Check cisir's options (an unknown key, a value out of range or a combination that cannot work fails here). */
export function cisirSettings(options: CisirOptions): CisirSettings {
  const specs = CISIR_OPTION_SPECS;
  checkOptions('cisir', options, specs);
  const k = options.k ?? specs.k.default;
  const lag = options.lag ?? specs.lag.default;
  const t0 = options.t0 ?? specs.t0.default;
  const window = options.window ?? lag;
  const kernel: CisirKernel = options.kernel ?? specs.kernel.default;
  const maxIterations = options.maxIterations ?? specs.maxIterations.default;
  for (const [name, v, min] of [['k', k, 2], ['lag', lag, 1], ['t0', t0, 1], ['window', window, 1], ['maxIterations', maxIterations, 1]] as const) {
    if (!Number.isInteger(v) || v < min) fail('invalid-argument', `cisir: ${name} must be an integer >= ${min}, got ${v}`, name);
  }
  if (kernel === 'disir') {
    // A DISIR proposal carries each chain's own kept particle, so two chains never coincide after one:
    // only an ISIR (beta = 0) step can make them meet. Hence the composed kernel.
    fail(
      'invalid-argument',
      "cisir: kernel 'disir' alone never lets the coupled chains meet (its proposals carry each chain's kept " +
        "particle); use kernel 'isir-disir' (an ISIR step, where chains can meet, then a DISIR step)",
      'kernel',
    );
  }
  const averaging = averagingWindow(t0, window, lag);
  if (maxIterations < averaging.last) {
    fail('invalid-argument', `cisir: maxIterations (${maxIterations}) stops the chains before the averaging window t0 .. t0 + window - 1 = ${t0} .. ${averaging.last} is complete`, 'maxIterations');
  }
  return {
    k,
    lag,
    window,
    kernel,
    maxIterations,
    averaging,
    beta: kernel === 'isir' ? 0 : (options.beta ?? specs.beta.default),
    adaptBeta: options.adaptBeta ?? specs.adaptBeta.default,
    selectDatapoints: options.selectDatapoints,
    refine: options.refine ? checkRefineOptions(options.refine === true ? {} : options.refine) : undefined,
  };
}
