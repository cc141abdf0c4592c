import { fail } from '../../runtime/errors.js';
import { currentRandom, Stream } from '../../runtime/rng.js';
import type { Program } from '../program.js';
import { runChain, type ChainRecord } from './chain.js';
import { diagnose, type ScalarDiagnostics } from './diagnostics.js';
import { drive, driveYielding } from './driver.js';
import type { Kernel } from './kernel.js';
import { layoutOf, LogDensity } from './potential.js';

export interface McmcOptions {
  /** Independent chains (default 4), run side by side: one model evaluation serves all of them. */
  readonly chains?: number;
  /** Warm-up (adaptation) iterations per chain, discarded (default 1000). */
  readonly warmup?: number;
  /** Recorded draws per chain (default 1000). */
  readonly draws?: number;
  /** Every random choice (initial values, momenta, U-turn directions) follows from it. */
  readonly seed?: number | string;
  /** Run the model once for all chains (default true); false: once per chain, for models that cannot broadcast. */
  readonly vectorize?: boolean;
  /** Initial unconstrained values are uniform on (-initRadius, initRadius) (default 2, as in Stan). */
  readonly initRadius?: number;
  /** Called after each model evaluation with the evaluations so far (a progress line). */
  readonly onEvaluation?: (evaluations: number) => void;
}

/** One latent site's draws and diagnostics. */
export interface McmcSite {
  readonly name: string;
  /** The site's shape in one draw. */
  readonly shape: readonly number[];
  readonly support: string;
  /** Constrained draws, [chains, draws, ...shape] row-major. */
  readonly values: Float32Array;
  /** Per element of `shape` (row-major): R-hat, bulk and tail ESS. */
  readonly diagnostics: readonly ScalarDiagnostics[];
}

export interface McmcResult {
  readonly kind: 'mcmc';
  readonly kernel: 'hmc' | 'nuts';
  readonly chains: number;
  readonly warmup: number;
  readonly draws: number;
  readonly sites: readonly McmcSite[];
  /** Divergent transitions after warm-up, in total and per chain. */
  readonly divergences: number;
  readonly divergencesPerChain: readonly number[];
  readonly warmupDivergences: readonly number[];
  /** Per chain: the adapted step size, the mean acceptance statistic and tree depth (NUTS) of the draws. */
  readonly stepSize: readonly number[];
  readonly meanAcceptStat: readonly number[];
  readonly meanTreeDepth: readonly number[];
  /** Draws that hit the maximum tree depth (NUTS), in total. */
  readonly maxTreeDepthHits: number;
  /** Gradient evaluations per chain (warm-up included), and model evaluations in all. */
  readonly gradientEvaluations: readonly number[];
  readonly modelEvaluations: number;
  /** Per-chain records (unconstrained positions, per-draw statistics) for further analysis. */
  readonly records: readonly ChainRecord[];
  /** The largest R-hat over every element of every site. */
  readonly maxRhat: number;
  /** Anything a user should know (divergences, R-hat above 1.01, tree depth saturation). */
  readonly warnings: readonly string[];
}

export interface Mcmc<A extends unknown[]> {
  /** Sample the posterior of the model's latents given its arguments (the data). */
  run(...args: A): McmcResult;
  /**
   * `run`, giving the event loop a turn every 50 ms or so (between model evaluations), so a page stays
   * responsive and a progress line renders; the same seed gives the same draws as `run`. Params the
   * model reads should not change while it runs.
   */
  runAsync(...args: A): Promise<McmcResult>;
}

const KNOWN = ['chains', 'warmup', 'draws', 'seed', 'vectorize', 'initRadius', 'onEvaluation'];

function checkOptions(options: McmcOptions): void {
  if (options === null || typeof options !== 'object') fail('invalid-argument', `mcmc(model, kernel, options): options must be an object, got ${String(options)}`, 'options');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) fail('invalid-argument', `mcmc: unknown option '${key}' (options: ${KNOWN.join(', ')})`, key);
  }
  const count = (key: 'chains' | 'warmup' | 'draws', min: number): void => {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) fail('invalid-argument', `mcmc: ${key} must be an integer >= ${min}, got ${String(v)}`, key);
  };
  count('chains', 1);
  count('warmup', 0);
  count('draws', 1);
  if ((options.draws ?? 1000) < 4) fail('invalid-argument', `mcmc: draws must be at least 4 (split R-hat and ESS need two halves of 2), got ${options.draws}`, 'draws');
  const r = options.initRadius;
  if (r !== undefined && !(typeof r === 'number' && r > 0 && Number.isFinite(r))) fail('invalid-argument', `mcmc: initRadius must be a positive number, got ${String(r)}`, 'initRadius');
  const s = options.seed;
  if (s !== undefined && !((typeof s === 'number' && Number.isFinite(s)) || typeof s === 'string')) fail('invalid-argument', `mcmc: seed must be a finite number or a string, got ${String(s)}`, 'seed');
  if (options.vectorize !== undefined && typeof options.vectorize !== 'boolean') fail('invalid-argument', `mcmc: vectorize must be true or false, got ${String(options.vectorize)}`, 'vectorize');
}

/**
 * Markov chain Monte Carlo over a model's continuous latents: `kernel` (`nuts()` or `hmc()`) moves
 * them in unconstrained space (each support's bijection, its log-Jacobian in the density), warm-up
 * adapts the step size and a diagonal mass matrix as Stan does, and the draws come back in each
 * site's own (constrained) space with split R-hat and bulk/tail ESS per element (Vehtari et al. 2021).
 *
 * @example
 * const fit = mcmc(eightSchools, nuts(), { chains: 4, warmup: 1000, draws: 1000, seed: 0 }).run(y, sigma);
 * console.log(fit.divergences, fit.maxRhat);
 * console.table(summary(fit).sites.map((s) => ({ name: s.name, mean: s.mean[0], sd: s.sd[0] })));
 */
export function mcmc<A extends unknown[]>(model: Program<A>, kernel: Kernel, options: McmcOptions = {}): Mcmc<A> {
  if (typeof model !== 'function') fail('invalid-argument', `mcmc(model, kernel, options): model must be a function (the model program), got ${typeof model}`, 'model');
  if (!kernel || (kernel.name !== 'hmc' && kernel.name !== 'nuts')) fail('invalid-argument', 'mcmc(model, kernel, options): kernel must be nuts(...) or hmc(...)', 'kernel');
  checkOptions(options);
  const chains = options.chains ?? 4;
  const warmup = options.warmup ?? 1000;
  const draws = options.draws ?? 1000;
  /** The chains, the density they share and how their records become a result: one run's parts. */
  const start = (args: A) => {
    const root = options.seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(options.seed);
    const layout = layoutOf(model, args, root.split(0));
    const density = new LogDensity(model, args, layout, chains, options.vectorize ?? true, root.split(1));
    const plan = { kernel, warmup, draws, dimension: layout.dimension, valueSize: layout.valueSize, initRadius: options.initRadius ?? 2 };
    let evaluations = 0;
    return {
      chains: Array.from({ length: chains }, (_, c) => runChain(plan, root.split(2 + c))),
      density,
      onEvaluation: () => options.onEvaluation?.(++evaluations),
      finish: (records: readonly ChainRecord[]): McmcResult =>
        summarise(kernel, records, layout.sites, { chains, warmup, draws, valueSize: layout.valueSize, modelEvaluations: density.modelRuns }),
    };
  };
  return {
    run: (...args: A): McmcResult => {
      const run = start(args);
      return run.finish(drive(run.chains, run.density, run.onEvaluation));
    },
    runAsync: async (...args: A): Promise<McmcResult> => {
      const run = start(args);
      return run.finish(await driveYielding(run.chains, run.density, run.onEvaluation));
    },
  };
}

function summarise(
  kernel: Kernel,
  records: readonly ChainRecord[],
  layoutSites: readonly { name: string; shape: readonly number[]; support: string; valueOffset: number; valueSize: number }[],
  run: { chains: number; warmup: number; draws: number; valueSize: number; modelEvaluations: number },
): McmcResult {
  const { chains, draws, valueSize: v } = run;
  const sites: McmcSite[] = layoutSites.map((s) => {
    const values = new Float32Array(chains * draws * s.valueSize);
    records.forEach((r, c) => {
      for (let t = 0; t < draws; t++) values.set(r.values.subarray(t * v + s.valueOffset, t * v + s.valueOffset + s.valueSize), (c * draws + t) * s.valueSize);
    });
    const diagnostics = Array.from({ length: s.valueSize }, (_, e) =>
      diagnose(Array.from({ length: chains }, (_, c) => Float64Array.from({ length: draws }, (_, t) => values[(c * draws + t) * s.valueSize + e]!))),
    );
    return { name: s.name, shape: s.shape, support: s.support, values, diagnostics };
  });
  const sum = (a: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    return s;
  };
  const divergencesPerChain = records.map((r) => sum(r.divergent));
  const divergences = sum(divergencesPerChain);
  const maxRhat = Math.max(...sites.flatMap((s) => s.diagnostics.map((d) => (Number.isNaN(d.rhat) ? 1 : d.rhat))));
  const maxTreeDepthHits = kernel.name === 'nuts' ? sum(records.map((r) => r.treeDepth.filter((d) => d >= kernel.maxTreeDepth).length)) : 0;
  const warnings: string[] = [];
  if (divergences > 0) {
    warnings.push(
      `${divergences} of ${chains * draws} transitions after warm-up diverged: the draws may be biased where the posterior is ` +
        'highly curved; raise targetAccept (e.g. 0.95) or reparameterise (a non-centred form of a hierarchical model)',
    );
  }
  if (maxRhat > 1.01) warnings.push(`R-hat up to ${maxRhat.toFixed(3)} (> 1.01): the chains disagree; run longer or check for multimodality`);
  if (maxTreeDepthHits > 0) warnings.push(`${maxTreeDepthHits} transitions hit the maximum tree depth ${kernel.maxTreeDepth}: efficiency may be poor; raise maxTreeDepth`);
  return {
    kind: 'mcmc',
    kernel: kernel.name,
    chains,
    warmup: run.warmup,
    draws,
    sites,
    divergences,
    divergencesPerChain,
    warmupDivergences: records.map((r) => r.warmupDivergences),
    stepSize: records.map((r) => r.stepSize),
    meanAcceptStat: records.map((r) => sum(r.acceptStat) / draws),
    meanTreeDepth: records.map((r) => sum(r.treeDepth) / draws),
    maxTreeDepthHits,
    gradientEvaluations: records.map((r) => r.gradientEvaluations),
    modelEvaluations: run.modelEvaluations,
    records,
    maxRhat,
    warnings,
  };
}
