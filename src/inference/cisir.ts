import * as tf from '@tensorflow/tfjs';
import { activeNativeAddon } from '../runtime/backend.js';
import { Compiler } from '../runtime/compile/compiler.js';
import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';
import { ChainRunner, ITERATION_SPEC, type ChainState, type Evaluated, type IterationCompiler } from './cisir/chains.js';
import { compileByDefault } from './compiled-step.js';
import { averagingWindow } from './cisir/window.js';
import type { Estimator, Simulation, Surrogate } from './estimator.js';
import { iwae } from './iwae.js';
import { accumulate, linearLoss, roleVariables } from './accumulated-gradient.js';
import { modelLogProbAt, prepared, type Problem } from './program.js';
import { logMeanExp } from './logmeanexp.js';
import { checkRefineOptions, refineProposal, type RefineOptions } from './local-refinement.js';
import { checkOptions, type OptionSpecs } from './options.js';

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

/** Detached latent values and coefficients c [K, B]: the surrogate is -sum c log p(x, z). */
interface Contribution<A extends unknown[]> {
  /** The problem whose arguments hold these B datapoints (the original, or one narrowed to live pairs). */
  readonly problem: Problem<A>;
  readonly values: Readonly<Record<string, tf.Tensor>>;
  readonly coefficients: tf.Tensor;
}

interface CisirSimulation extends Simulation {
  /** d(-estimate)/d theta, accumulated over chunks of recorded states (by variable name). */
  readonly gradients: ReadonlyMap<string, tf.Tensor>;
  /** IWAE-K estimate of log p(x) per datapoint from the first (independent) draw. */
  readonly iwae: tf.Tensor;
  readonly scale: number;
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
}

/**
 * Coupled ISIR / DISIR (Ruiz, Titsias, Cemgil, Doucet 2021): an unbiased estimate of grad_theta log p(x)
 * from lag-L couplings of importance-sampling-resampling chains on the extended space. With the averaging
 * window t0 .. m (m = t0 + window - 1; Jacob, O'Leary, Atchade 2020, lag L),
 *   (1/(m-t0+1)) [ sum_{t=t0}^{m} h(u_t) + sum_{t=t0+L}^{tau-1} v_t (h(u_t) - h(ubar_{t-L})) ],
 *   v_t = floor((t-t0)/L) - ceil(max(L, t-m)/L) + 1,
 * with h(u) = sum_k wbar_k grad_theta log p(x, z_k) and tau the meeting time. For window = L (the
 * default) every v_t is 1: Ruiz et al.'s estimator. Every datapoint runs its own pair of chains; all
 * pairs advance in one batched evaluation per step. Model (theta) only.
 *
 * @example
 * const fit = svi(model, guide, { model: cisir({ k: 10, lag: 10 }), guide: iwae({ k: 10, dreg: true }) });
 * // An amortised guide covers some posteriors badly: refine its proposal per datapoint first.
 * const refined = cisir({ k: 10, lag: 10, refine: { steps: 50 }, selectDatapoints: leadingAxisDatapoints });
 */
export function cisir(options: CisirOptions = {}): Estimator & { readonly beta: number } {
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
  // The averaged states and the correction terms' weights v_t (1 for every t when window = L).
  const { last, inWindow, correctionWeight } = averagingWindow(t0, window, lag);
  if (maxIterations < last) {
    fail('invalid-argument', `cisir: maxIterations (${maxIterations}) stops the chains before the averaging window t0 .. t0 + window - 1 = ${t0} .. ${last} is complete`, 'maxIterations');
  }
  const selectDatapoints = options.selectDatapoints;
  const refine = options.refine ? checkRefineOptions(options.refine === true ? {} : options.refine) : undefined;
  let beta = kernel === 'isir' ? 0 : (options.beta ?? specs.beta.default);
  let guideObjective = options.guide;
  let warnedCap = false;
  // Sub-steps of one iteration: their autoregression coefficients.
  const subSteps = (): number[] => (kernel === 'isir' ? [0] : [0, beta]);
  // One iteration compiler per model and guide, kept across estimates (programs per live batch size).
  const compile = options.compile ?? compileByDefault();
  const compilers = new WeakMap<object, WeakMap<object, IterationCompiler>>();
  const compilerFor = <A extends unknown[]>(problem: Problem<A>): IterationCompiler | undefined => {
    if (!compile) return undefined;
    const byGuide = compilers.get(problem.model) ?? new WeakMap<object, IterationCompiler>();
    compilers.set(problem.model, byGuide);
    let compiler = byGuide.get(problem.guide);
    if (!compiler) {
      // Fewer programs than a step compiler keeps: each holds the chains' particle arrays.
      compiler = new Compiler(ITERATION_SPEC, activeNativeAddon(), options.onCompileNote, 24);
      byGuide.set(problem.guide, compiler);
    }
    return compiler;
  };

  function simulate<A extends unknown[]>(problem: Problem<A>, stream: Stream): CisirSimulation {
    if (problem.allowPriorDraws) {
      // The chains score every latent of a state under the model: a prior draw would be scored as proposed.
      fail('invalid-argument', 'cisir: allowPriorDraws is not supported; sample every model latent in the guide', 'allowPriorDraws');
    }
    if (!refine) return runChains(problem, stream, { cost: 0, stats: {} });
    const refined = refineProposal(problem, stream.split(70), refine);
    try {
      return runChains(refined.problem, stream, { cost: refined.cost, stats: { refineGain: refined.gain } });
    } finally {
      refined.dispose();
    }
  }

  /** The chains on `problem` (`before`: cost per datapoint and stats of work done before them). */
  function runChains<A extends unknown[]>(
    problem: Problem<A>,
    stream: Stream,
    before: { cost: number; stats: Readonly<Record<string, number>> },
  ): CisirSimulation {
    const contributions: Contribution<A>[] = [];
    const indexStream = stream.split(5);
    const iterationCompiler = compilerFor(problem);
    const replaysBefore = iterationCompiler?.replays ?? 0;
    let evaluationsRun = 0;
    // Tensors we own are tf.keep-ed and released by hand as chain states are consumed.
    let started: { runner: ChainRunner<A>; states: Evaluated[] } | undefined;
    tf.tidy(() => {
      const first = ChainRunner.start(problem, k, 2, stream, indexStream, iterationCompiler);
      started = { runner: first.runner, states: first.states.map((s) => keepEvaluated(s)) };
    });
    if (!started) fail('invalid-argument', 'cisir: could not start the chains');
    let runner = started.runner;
    let runnerProblem: Problem<A> = problem;
    const total = runner.datapoints;
    const iwaeEstimate = tf.keep(tf.tidy(() => logMeanExp(started!.states[0]!.logW, 0)));
    // By position in the runner's (possibly narrowed) batch:
    let met = new Uint8Array(total);
    let pending = new Uint8Array(total);
    // By original datapoint:
    const meeting = new Float64Array(total).fill(NaN);
    let [x, y] = started.states as [Evaluated, Evaluated];
    let evaluations = (2 * k + before.cost) * total;
    let essTotal = 0;
    // ISIR sub-steps of the first chain (live pairs) and how many selected a fresh particle.
    let isirSteps = 0;
    let isirMoves = 0;
    const restrictedArgs: tf.Tensor[] = [];
    const record = (e: Evaluated, coefficient: (position: number) => number): void => {
      const b = runner.datapoints;
      const c = new Float32Array(k * b);
      let any = false;
      for (let j = 0; j < b; j++) {
        const cj = coefficient(j);
        if (cj === 0) continue;
        any = true;
        for (let i = 0; i < k; i++) c[i * b + j] = cj * e.weights[i * b + j]!;
      }
      if (!any) return;
      contributions.push({
        problem: runnerProblem,
        values: Object.fromEntries(Object.entries(e.values).map(([n, v]) => [n, tf.keep(tf.clone(v))])),
        coefficients: tf.keep(tf.tensor2d(c, [k, b])),
      });
    };
    const ess = (e: Evaluated): number => {
      const b = runner.datapoints;
      let sum = 0;
      for (let j = 0; j < b; j++) {
        let sq = 0;
        for (let i = 0; i < k; i++) sq += e.weights[i * b + j]! ** 2;
        sum += 1 / sq;
      }
      return sum / b;
    };
    /** One iteration (all sub-steps) of the given chains; consumes (releases) them. */
    const advance = (chains: Evaluated[], t: number): Evaluated[] => {
      let current = chains;
      subSteps().forEach((betaSub, s) => {
        const identicalKept = Uint8Array.from(met, (m, j) => m | pending[j]!);
        let next: Evaluated[] = [];
        tf.tidy(() => {
          const { evaluated, a } = runner.step(current.map((c) => c.state), betaSub, stream.split(1000 + 10 * t + s), identicalKept);
          evaluationsRun++;
          if (betaSub === 0) {
            for (let j = 0; j < runner.datapoints; j++) {
              if (identicalKept[j]) continue;
              isirSteps++;
              if (evaluated[0]!.state.index[j] !== a[j]) isirMoves++;
            }
          }
          if (evaluated.length === 2) {
            for (let j = 0; j < runner.datapoints; j++) {
              // Same fresh index (not the kept position) at a beta = 0 step: the next states coincide.
              const i0 = evaluated[0]!.state.index[j];
              pending[j] = !identicalKept[j] && betaSub === 0 && i0 === evaluated[1]!.state.index[j] && i0 !== a[j] ? 1 : 0;
            }
          }
          next = evaluated.map((e) => keepEvaluated(e));
        });
        for (const c of current) releaseEvaluated(c);
        // A step that starts from identical kept particles produces identical states.
        if (next.length === 2) for (let j = 0; j < runner.datapoints; j++) if (identicalKept[j]) met[j] = 1;
        current = next;
      });
      return current;
    };
    /** Continue with the pairs that have not met only: their chains, the data and the flags narrowed. */
    const narrowToLive = (): void => {
      const positions = Int32Array.from(Array.from(met).flatMap((m, j) => (m ? [] : [j])));
      const original = Int32Array.from(positions, (p) => runner.original(p));
      const args = selectDatapoints!(problem.args, original, total);
      for (const t of tensorsIn(args)) if (!originalArgs.has(t)) restrictedArgs.push(t);
      const narrowedProblem: Problem<A> = { ...problem, args: args as A };
      const datapoints = prepared(narrowedProblem, stream).datapoints;
      if (datapoints !== positions.length) {
        fail(
          'invalid-argument',
          `cisir: selectDatapoints returned arguments with ${datapoints ?? 'no'} datapoints in the data plate for ${positions.length} ` +
            'selected ones; it must restrict every per-datapoint argument to exactly the given datapoints, in order',
          'selectDatapoints',
        );
      }
      const narrowed = runner.restricted(narrowedProblem, positions);
      let chains: Evaluated[] = [];
      tf.tidy(() => {
        chains = [x, y].map((e) => keepEvaluated(runner.narrow(e, positions)));
      });
      releaseEvaluated(x);
      releaseEvaluated(y);
      [x, y] = chains as [Evaluated, Evaluated];
      pending = Uint8Array.from(positions, (p) => pending[p]!);
      met = new Uint8Array(positions.length);
      runner = narrowed;
      runnerProblem = narrowedProblem;
    };
    const originalArgs = new Set(tensorsIn(problem.args));

    // The first chain alone for L steps (its DISIR sub-steps' ESS drives beta's adaptation).
    let t = 0;
    for (; t < lag; ) {
      t++;
      x = advance([x], t)[0]!;
      if (kernel !== 'isir') essTotal += ess(x);
      evaluations += subSteps().length * k * total;
      if (inWindow(t)) record(x, () => 1 / window);
    }
    // Then both, coupled, until every pair has met and the averaging window is complete.
    let capped = 0;
    while (true) {
      const liveCount = met.reduce((acc, m) => acc + (m ? 0 : 1), 0);
      if (t >= last && liveCount === 0) break;
      if (t >= maxIterations) {
        capped = liveCount;
        break;
      }
      // Once the averaging window is complete, met pairs contribute nothing more: stop evaluating them.
      if (selectDatapoints && t >= last && liveCount <= NARROW_BELOW * runner.datapoints) narrowToLive();
      t++;
      [x, y] = advance([x, y], t) as [Evaluated, Evaluated];
      evaluations += subSteps().length * 2 * k * liveCount;
      for (let j = 0; j < runner.datapoints; j++) if (met[j] && Number.isNaN(meeting[runner.original(j)]!)) meeting[runner.original(j)] = t;
      if (inWindow(t)) record(x, () => 1 / window);
      if (t >= t0 + lag) {
        const c = correctionWeight(t) / window;
        record(x, (j) => (met[j] ? 0 : c));
        record(y, (j) => (met[j] ? 0 : -c));
      }
    }
    releaseEvaluated(x);
    releaseEvaluated(y);
    if (capped > 0 && !warnedCap) {
      warnedCap = true;
      console.warn(`cisir: ${capped} chain pair(s) did not meet within maxIterations = ${maxIterations}; such estimates are biased (stats.capped counts them)`);
    }
    const meetings = Array.from(meeting).filter((m) => !Number.isNaN(m));
    const meanEss = kernel !== 'isir' ? essTotal / lag : NaN;
    const stats = {
      ...before.stats,
      k,
      lag,
      beta,
      iterations: t,
      meetingMean: meetings.length ? meetings.reduce((p, q) => p + q, 0) / meetings.length : NaN,
      // Capped pairs counted at the cap: a lower bound on the uncapped mean (meetingMean leaves them out).
      meetingMeanCappedAtCap: (meetings.reduce((p, q) => p + q, 0) + capped * t) / total,
      meetingMax: meetings.length ? Math.max(...meetings) : NaN,
      capped,
      ess: meanEss,
      // How often an ISIR step left the kept particle for a fresh one: low means the guide rarely
      // proposes anything as good as where the chain sits, hence slow meeting.
      isirMoveRate: isirSteps > 0 ? isirMoves / isirSteps : NaN,
      // The share of the chains' batched evaluations that ran as compiled programs (docs/compile.md).
      compiledEvaluations: evaluationsRun > 0 ? ((iterationCompiler?.replays ?? 0) - replaysBefore) / evaluationsRun : 0,
      // Meeting-time histogram (pairs per bin; capped pairs are counted in stats.capped instead).
      ...meetingHistogram(meetings),
    };
    // Adapt beta between estimates only (identical in both chains within one).
    if (kernel !== 'isir' && (options.adaptBeta ?? specs.adaptBeta.default) && Number.isFinite(meanEss)) {
      beta = Math.min(0.99, Math.max(0, beta - 0.01 * (meanEss - 0.3 * k)));
    }
    const gradients = accumulateGradients(contributions, runner.scale, stream.split(40));
    for (const c of contributions) {
      c.coefficients.dispose();
      for (const v of Object.values(c.values)) v.dispose();
    }
    for (const t of restrictedArgs) t.dispose();
    return {
      gradients,
      iwae: iwaeEstimate,
      scale: runner.scale,
      cost: evaluations / total,
      stats,
      dispose() {
        iwaeEstimate.dispose();
        for (const g of gradients.values()) g.dispose();
      },
    };
  }

  const estimator = {
    name: `cisir-${kernel}`,
    sharedLoss: false,
    get beta() {
      return beta;
    },
    simulate(problem, stream, role) {
      return role === 'guide' ? undefined : simulate(problem, stream);
    },
    surrogate(problem, stream, role, simulation): Surrogate {
      if (role === 'guide') {
        guideObjective ??= iwae({ k, dreg: true });
        return guideObjective.surrogate(problem, stream.split(30), 'guide');
      }
      if (role === 'both') fail('invalid-argument', 'cisir estimates the model gradient only; give the guide its own objective');
      const sim = (simulation as CisirSimulation | undefined) ?? fail('invalid-argument', 'cisir: surrogate needs the simulation');
      const objective = tf.mul(tf.sum(sim.iwae), sim.scale) as tf.Scalar;
      // Linear in theta with the accumulated gradient as (constant) slope: its gradient is exactly that.
      const loss = linearLoss(sim.gradients, 'model');
      return { loss, objective, cost: sim.cost, stats: sim.stats };
    },
  } satisfies Estimator & { readonly beta: number };
  return estimator;
}

/** Narrow the batch to the live pairs once at most this fraction of it is live (few distinct shapes). */
const NARROW_BELOW = 0.75;

const MEETING_BINS = [10, 20, 40, 80, 160, 320] as const;

/** Counts of meeting times in (previous bin, bin], keyed 'meetingLe10', ..., and 'meetingGt320'. */
function meetingHistogram(times: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  let lower = 0;
  for (const upper of MEETING_BINS) {
    out[`meetingLe${upper}`] = times.filter((t) => t > lower && t <= upper).length;
    lower = upper;
  }
  out[`meetingGt${lower}`] = times.filter((t) => t > lower).length;
  return out;
}

/** Particle-datapoint rows evaluated at once when accumulating the gradient (bounds memory). */
const ROWS_PER_CHUNK = 4096;

/**
 * d/d theta of -sum_states sum c * log p(x, z), by chunks of recorded states, each evaluated and
 * differentiated on its own so memory does not grow with the meeting time. States recorded on the same
 * (possibly narrowed) batch are evaluated together. Run outside any tape.
 */
function accumulateGradients<A extends unknown[]>(contributions: readonly Contribution<A>[], scale: number, stream: Stream): Map<string, tf.Tensor> {
  const theta = roleVariables('model');
  const total = new Map<string, tf.Tensor>();
  if (theta.length === 0) return total;
  for (let start = 0; start < contributions.length; ) {
    const { problem } = contributions[start]!;
    const [k, b] = contributions[start]!.coefficients.shape as [number, number];
    const perChunk = Math.max(1, Math.floor(ROWS_PER_CHUNK / (k * b)));
    let end = start + 1;
    while (end < contributions.length && end - start < perChunk && contributions[end]!.problem === problem) end++;
    const chunk = contributions.slice(start, end);
    const names = Object.keys(chunk[0]!.values);
    const { value, grads } = tf.variableGrads(() => {
      const values = Object.fromEntries(names.map((n) => [n, tf.concat(chunk.map((c) => c.values[n]!), 0)]));
      const coefficients = tf.concat(chunk.map((c) => c.coefficients), 0);
      const logP = modelLogProbAt(problem, values, coefficients.shape[0]!, stream);
      const perPoint = logP.rank === 1 ? tf.expandDims(logP, 1) : logP;
      return tf.neg(tf.mul(tf.sum(tf.mul(coefficients, perPoint)), scale)) as tf.Scalar;
    }, theta);
    value.dispose();
    accumulate(total, grads);
    start = end;
  }
  return total;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/** Every tensor in an argument list, at any depth of arrays and plain objects (as selectDatapoints sees them). */
function tensorsIn(value: unknown): tf.Tensor[] {
  if (value instanceof tf.Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  if (isPlainObject(value)) return Object.values(value).flatMap(tensorsIn);
  return [];
}

/**
 * A `selectDatapoints` for programs whose data arguments hold one row per datapoint along their first
 * axis (e.g. `model(x)` with x [B, 784], or a tuple of such tensors): every tensor argument whose first
 * dim is B, at any depth of arrays and plain objects, is gathered at the datapoints; others pass as they are.
 */
export function leadingAxisDatapoints(args: readonly unknown[], datapoints: Int32Array, batch: number): unknown[] {
  const indices = Array.from(datapoints);
  const restrict = (value: unknown): unknown => {
    if (value instanceof tf.Tensor) return value.rank > 0 && value.shape[0] === batch ? tf.gather(value, indices) : value;
    if (Array.isArray(value)) return value.map(restrict);
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, restrict(v)]));
    }
    return value;
  };
  return args.map(restrict);
}

function keepEvaluated(e: Evaluated): Evaluated {
  return {
    state: { noise: e.state.noise.map((d) => ({ kind: d.kind, tensor: tf.keep(d.tensor) })), index: e.state.index },
    values: Object.fromEntries(Object.entries(e.values).map(([n, v]) => [n, tf.keep(v)])),
    weights: e.weights,
    logW: tf.keep(e.logW),
  };
}

function releaseEvaluated(e: Evaluated): void {
  for (const d of e.state.noise) d.tensor.dispose();
  for (const v of Object.values(e.values)) v.dispose();
  e.logW.dispose();
}

export type { ChainState };
