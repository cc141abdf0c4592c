import * as tf from '@tensorflow/tfjs';
import { activeNativeAddon } from '../runtime/backend.js';
import { Compiler } from '../runtime/compile/compiler.js';
import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';
import { ITERATION_SPEC, type IterationCompiler } from './cisir/chains.js';
import { runCoupledChains, type Contribution } from './cisir/coupled-chains.js';
import { cisirSettings, type CisirOptions } from './cisir/options.js';
import { compileByDefault } from './compiled-step.js';
import { ascentLoss, fullData, type Estimator, type Simulation, type Surrogate } from './estimator.js';
import { iwae } from './iwae.js';
import { accumulate, linearLoss, roleVariables } from './accumulated-gradient.js';
import { modelLogProbAt, type Problem } from './program.js';
import { refineProposal } from './local-refinement.js';

export type { ChainState } from './cisir/chains.js';
export { leadingAxisDatapoints } from './cisir/datapoints.js';
export { CISIR_OPTION_SPECS, type CisirKernel, type CisirOptions } from './cisir/options.js';

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
 * The parts: options and their checks in cisir/options.ts; the chains run to meeting, recording each
 * state's coefficients (the bracket above), in cisir/coupled-chains.ts; one iteration of a pair in
 * cisir/chains.ts. Here: the gradient of -sum c log p(x, z) over the recorded states.
 *
 * @example
 * const fit = svi(model, guide, { model: cisir({ k: 10, lag: 10 }), guide: iwae({ k: 10, dreg: true }) });
 * // An amortised guide covers some posteriors badly: refine its proposal per datapoint first.
 * const refined = cisir({ k: 10, lag: 10, refine: { steps: 50 }, selectDatapoints: leadingAxisDatapoints });
 */
export function cisir(options: CisirOptions = {}): Estimator & { readonly beta: number } {
  const settings = cisirSettings(options);
  const { k, kernel, maxIterations, refine } = settings;
  let beta = settings.beta;
  let guideObjective = options.guide;
  let warnedCap = false;
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
    if (!refine) return estimate(problem, stream, { cost: 0, stats: {} });
    const refined = refineProposal(problem, stream.split(70), refine);
    try {
      return estimate(refined.problem, stream, { cost: refined.cost, stats: { refineGain: refined.gain } });
    } finally {
      refined.dispose();
    }
  }

  /** The chains on `problem`, then the gradient of their states (`before`: cost and stats of work done before them). */
  function estimate<A extends unknown[]>(
    problem: Problem<A>,
    stream: Stream,
    before: { cost: number; stats: Readonly<Record<string, number>> },
  ): CisirSimulation {
    const chains = runCoupledChains(problem, stream, before, settings, beta, compilerFor(problem));
    if (chains.capped > 0 && !warnedCap) {
      warnedCap = true;
      console.warn(`cisir: ${chains.capped} chain pair(s) did not meet within maxIterations = ${maxIterations}; such estimates are biased (stats.capped counts them)`);
    }
    // Adapt beta between estimates only (identical in both chains within one).
    if (kernel !== 'isir' && settings.adaptBeta && Number.isFinite(chains.meanEss)) {
      beta = Math.min(0.99, Math.max(0, beta - 0.01 * (chains.meanEss - 0.3 * k)));
    }
    const gradients = accumulateGradients(chains.contributions, chains.scale, stream.split(40));
    chains.release();
    const iwaeEstimate = chains.iwae;
    return {
      gradients,
      iwae: iwaeEstimate,
      scale: chains.scale,
      cost: chains.cost,
      stats: chains.stats,
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
      const objective = fullData(tf.sum(sim.iwae), sim.scale);
      // Linear in theta with the accumulated gradient as (constant) slope: its gradient is exactly that.
      const loss = linearLoss(sim.gradients, 'model');
      return { loss, objective, cost: sim.cost, stats: sim.stats };
    },
  } satisfies Estimator & { readonly beta: number };
  return estimator;
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
      return ascentLoss(tf.sum(tf.mul(coefficients, perPoint)), scale);
    }, theta);
    value.dispose();
    accumulate(total, grads);
    start = end;
  }
  return total;
}
