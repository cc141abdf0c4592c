import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import type { Stream } from '../../runtime/rng.js';
import { logMeanExp } from '../logmeanexp.js';
import { prepared, type Problem } from '../program.js';
import { ChainRunner, type Evaluated, type IterationCompiler } from './chains.js';
import { tensorsIn } from './datapoints.js';
import type { CisirSettings } from './options.js';

/** Detached latent values and coefficients c [K, B]: the surrogate is -sum c log p(x, z). */
export interface Contribution<A extends unknown[]> {
  /** The problem whose arguments hold these B datapoints (the original, or one narrowed to live pairs). */
  readonly problem: Problem<A>;
  readonly values: Readonly<Record<string, tf.Tensor>>;
  readonly coefficients: tf.Tensor;
}

/** What one run of the coupled chains leaves for the gradient: the weighted states, and how the run went. */
export interface CoupledChains<A extends unknown[]> {
  /** The states the estimator sums over, with their coefficients (averaged states and correction terms). */
  readonly contributions: readonly Contribution<A>[];
  /** IWAE-K estimate of log p(x) per datapoint from the first (independent) draw; the caller disposes it. */
  readonly iwae: tf.Tensor;
  /** The data plate's N / B. */
  readonly scale: number;
  /** Model evaluations per datapoint (including `before.cost`). */
  readonly cost: number;
  readonly stats: Readonly<Record<string, number>>;
  /** Mean ESS of the first chain's DISIR sub-steps over the first L iterations (NaN for the ISIR kernel). */
  readonly meanEss: number;
  /** Pairs still apart when maxIterations stopped the chains. */
  readonly capped: number;
  /** Dispose of the contributions and the narrowed arguments their problems hold (not `iwae`). */
  release(): void;
}

/** Narrow the batch to the live pairs once at most this fraction of it is live (few distinct shapes). */
const NARROW_BELOW = 0.75;

/**
 * Run the chains on `problem` (`before`: cost per datapoint and stats of work done before them): the
 * first chain alone for L iterations, then both, coupled, until every pair has met and the averaging
 * window is complete (or maxIterations), recording the states the estimator's sum needs. `beta` is
 * DISIR's coefficient for this run.
 */
export function runCoupledChains<A extends unknown[]>(
  problem: Problem<A>,
  stream: Stream,
  before: { cost: number; stats: Readonly<Record<string, number>> },
  settings: CisirSettings,
  beta: number,
  iterationCompiler: IterationCompiler | undefined,
): CoupledChains<A> {
  const { k, lag, window, kernel, maxIterations, selectDatapoints } = settings;
  const { t0, last, inWindow, correctionWeight } = settings.averaging;
  // Sub-steps of one iteration: their autoregression coefficients.
  const subSteps = kernel === 'isir' ? [0] : [0, beta];
  const contributions: Contribution<A>[] = [];
  const indexStream = stream.split(5);
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
    subSteps.forEach((betaSub, s) => {
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
    evaluations += subSteps.length * k * total;
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
    evaluations += subSteps.length * 2 * k * liveCount;
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
    // The work per datapoint, in particle evaluations of the model: forward ones by the chains, and
    // those the gradient differentiates (every particle of every state the estimate sums over).
    chainEvaluations: evaluations / total - before.cost,
    gradientEvaluations: contributions.reduce((sum, c) => sum + c.coefficients.size, 0) / total,
    // The share of the chains' batched evaluations that ran as compiled programs (docs/compile.md).
    compiledEvaluations: evaluationsRun > 0 ? ((iterationCompiler?.replays ?? 0) - replaysBefore) / evaluationsRun : 0,
    // Meeting-time histogram (pairs per bin; capped pairs are counted in stats.capped instead).
    ...meetingHistogram(meetings),
  };
  return {
    contributions,
    iwae: iwaeEstimate,
    scale: runner.scale,
    cost: evaluations / total,
    stats,
    meanEss,
    capped,
    release() {
      for (const c of contributions) {
        c.coefficients.dispose();
        for (const v of Object.values(c.values)) v.dispose();
      }
      for (const t of restrictedArgs) t.dispose();
    },
  };
}

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
