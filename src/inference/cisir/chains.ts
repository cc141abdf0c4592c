import * as tf from '@tensorflow/tfjs';
import type { Compiler } from '../../runtime/compile/compiler.js';
import { fail } from '../../runtime/errors.js';
import type { Stream } from '../../runtime/rng.js';
import { paramSignature } from '../compiled-step.js';
import { requirePerDatapoint, type Weighted } from '../log-weights.js';
import { argsSignature, drawWeighted, particlesSource, prepare, type Problem } from '../program.js';
import { categoricalIndex, maximalCoupling } from './coupling.js';
import { freshNoise, NoiseSource, proposalNoise, type NoiseDraw, type NoiseKind, type NoiseSpec } from './noise.js';

/** One chain of the extended target: K particles (as guide noise) and the selected index per datapoint. */
export interface ChainState {
  readonly noise: readonly NoiseDraw[];
  readonly index: Int32Array;
}

/** One chain's tensors after an evaluation, before anything is read back. */
interface ChainTensors {
  readonly logW: tf.Tensor;
  readonly wbar: tf.Tensor;
  readonly noise: readonly NoiseDraw[];
  readonly values: Readonly<Record<string, tf.Tensor>>;
}

/** The shapes of a chain iteration's outputs, to rebuild tensors from a replay's arrays. */
export interface IterationSummary {
  readonly chains: readonly {
    readonly logW: readonly number[];
    readonly wbar: readonly number[];
    readonly noise: readonly { readonly kind: NoiseKind; readonly shape: readonly number[] }[];
    readonly values: readonly { readonly name: string; readonly shape: readonly number[] }[];
  }[];
}

/** A compiler of chain iterations (src/runtime/compile/compiler.ts), shared by an estimator's runners. */
export type IterationCompiler = Compiler<ChainTensors[], IterationSummary>;

/** What an `IterationCompiler` needs: every chain's tensors in order, and their shapes. */
export const ITERATION_SPEC = {
  what: 'this C-ISIR chain iteration',
  outputs: (chains: ChainTensors[]): tf.Tensor[] => chains.flatMap((c) => [c.logW, c.wbar, ...c.noise.map((d) => d.tensor), ...Object.values(c.values)]),
  summary: (chains: ChainTensors[]): IterationSummary => ({
    chains: chains.map((c) => ({
      logW: c.logW.shape,
      wbar: c.wbar.shape,
      noise: c.noise.map((d) => ({ kind: d.kind, shape: d.tensor.shape })),
      values: Object.entries(c.values).map(([name, v]) => ({ name, shape: v.shape })),
    })),
  }),
};

/** What a step produced for one chain: its new state, the particles' latent values and weights. */
export interface Evaluated {
  readonly state: ChainState;
  /** Latent values by guide site, particles first: [K, ...]. */
  readonly values: Readonly<Record<string, tf.Tensor>>;
  /** Self-normalised weights [K, B] on the host. */
  readonly weights: Float32Array;
  /** log w [K, B] (kept for the first state's IWAE estimate). */
  readonly logW: tf.Tensor;
}

/**
 * Runs chains of one problem: all chains of a step (both of a coupled pair, every datapoint) in one
 * batched evaluation of C x K particles. A runner may cover a subset of the datapoints it started with
 * (`restricted`); every random number of a step belongs to an original datapoint (fresh noise and
 * index draws from the datapoint's own stream, the auxiliary positions a from one sequence over the full
 * batch), so dropping datapoints whose chains have met changes the cost, never the other chains' numbers.
 */
export class ChainRunner<A extends unknown[]> {
  private constructor(
    private readonly problem: Problem<A>,
    readonly k: number,
    private readonly stream: Stream,
    /** Datapoints in this runner's batch. */
    readonly datapoints: number,
    /** Original datapoint of each position (undefined: the full batch, in order). */
    readonly live: Int32Array | undefined,
    /** The data axis of noise and latent values (undefined: no data plate, one datapoint). */
    readonly dataAxis: number | undefined,
    readonly scale: number,
    /** Kinds and shapes of one chain's noise (K particles) for the full batch. */
    private readonly fullSpecs: readonly NoiseSpec[],
    private readonly fullDatapoints: number,
    /** Compiles the batched evaluation of the chains' proposals (one program per live batch size). */
    private readonly compiler?: IterationCompiler,
  ) {}

  get usesUniforms(): boolean {
    return this.fullSpecs.some((d) => d.kind === 'uniform');
  }

  /** Original datapoint at position j. */
  original(j: number): number {
    return this.live ? this.live[j]! : j;
  }

  /** Start `chains` chains from independent draws (pi_0): K fresh particles, index ~ Cat(w). */
  static start<A extends unknown[]>(problem: Problem<A>, k: number, chains: number, stream: Stream, indexStream: Stream, compiler?: IterationCompiler) {
    if (!problem.vectorize) fail('invalid-argument', 'cisir: coupled chains need vectorised particles (vectorize: true)');
    const recorder = NoiseSource.recording(particlesSource(stream.split(100), chains * k), stream.split(77));
    const weighted = drawWeighted(problem, chains * k, stream, 0, { guideSource: recorder });
    requirePerDatapoint(weighted, 'cisir');
    if (weighted.subsampled && !weighted.dataPlate) fail('unsupported-model', 'cisir: every latent must lie in the data plate');
    const dim = prepare(problem, stream);
    const plate = weighted.dataPlate;
    const datapoints = plate ? plate.subsampleSize : 1;
    const specs = recorder.recorded.map((d) => ({ kind: d.kind, shape: [k, ...d.tensor.shape.slice(1)] }));
    const runner = new ChainRunner(problem, k, stream, datapoints, undefined, plate ? -dim + plate.dim : undefined, weighted.dataScale, specs, datapoints, compiler);
    const evaluated = runner.split(weighted, recorder.recorded, chains);
    recorder.disposeRecorded(); // the chains hold their own slices
    const states = evaluated.map((e) => {
      const index = new Int32Array(runner.datapoints);
      for (let b = 0; b < runner.datapoints; b++) index[b] = categoricalIndex(runner.column(e.weights, b), indexStream.split(b));
      return { ...e, state: { noise: e.state.noise, index } };
    });
    return { runner, states };
  }

  /**
   * This runner for the datapoints at `positions` of its batch; `problem` is the original problem with
   * its arguments restricted to exactly those datapoints, in that order.
   */
  restricted(problem: Problem<A>, positions: Int32Array): ChainRunner<A> {
    const live = Int32Array.from(positions, (p) => this.original(p));
    return new ChainRunner(problem, this.k, this.stream, live.length, live, this.dataAxis, this.scale, this.fullSpecs, this.fullDatapoints, this.compiler);
  }

  /** Chain `e` at the datapoints at `positions` of this runner's batch (new tensors; `e` is untouched). */
  narrow(e: Evaluated, positions: Int32Array): Evaluated {
    const b = this.datapoints;
    const n = positions.length;
    const weights = new Float32Array(this.k * n);
    for (let i = 0; i < this.k; i++) for (let p = 0; p < n; p++) weights[i * n + p] = e.weights[i * b + positions[p]!]!;
    const index = Int32Array.from(positions, (p) => e.state.index[p]!);
    return {
      state: { noise: e.state.noise.map((d) => ({ kind: d.kind, tensor: this.atDatapoints(d.tensor, positions, b) })), index },
      values: Object.fromEntries(Object.entries(e.values).map(([name, v]) => [name, this.atDatapoints(v, positions, b)])),
      weights,
      logW: tf.gather(e.logW.rank === 1 ? tf.expandDims(e.logW, 1) : e.logW, Array.from(positions), 1),
    };
  }

  /** Rows of `t` at `positions` along the data axis (of size `b`). */
  private atDatapoints(t: tf.Tensor, positions: Int32Array, b: number): tf.Tensor {
    const axis = this.dataAxis;
    if (axis === undefined || t.shape[axis] !== b) fail('invalid-argument', `cisir: a chain tensor of shape [${t.shape.join(', ')}] has no data axis of size ${b}`);
    return tf.gather(t, Array.from(positions), axis);
  }

  /** Weights of datapoint b as a length-K array. */
  column(weights: Float32Array, b: number): Float64Array {
    const out = new Float64Array(this.k);
    for (let i = 0; i < this.k; i++) out[i] = weights[i * this.datapoints + b]!;
    return out;
  }

  /** Split a batched evaluation of C x K particles into C chains. */
  private split(weighted: Weighted, noise: readonly NoiseDraw[], chains: number): Evaluated[] {
    return this.toEvaluated(this.chainTensors(weighted, noise, chains));
  }

  /** Each chain's log-weights, normalised weights, noise and latent values, as tensors. */
  private chainTensors(weighted: Weighted, noise: readonly NoiseDraw[], chains: number): ChainTensors[] {
    const k = this.k;
    const logW = weighted.logWeights();
    const columns = logW.rank === 1 ? tf.expandDims(logW, 1) : logW;
    const latents = weighted.runs[0]!.guide.latentSites();
    return Array.from({ length: chains }, (_, c) => {
      const lw = tf.slice(columns, c * k, k);
      const values = Object.fromEntries(latents.map((s) => [s.name, tf.slice(s.value, c * k, k)] as const));
      return {
        logW: lw,
        wbar: tf.exp(tf.sub(lw, tf.logSumExp(lw, 0, true))),
        noise: noise.map((d) => ({ kind: d.kind, tensor: tf.slice(d.tensor, c * k, k) })),
        values,
      };
    });
  }

  /**
   * The chains evaluated at their proposals `batched` (every chain's particles along the leading dim):
   * compiled where the runner has a compiler, eagerly otherwise.
   */
  private evaluate(batched: readonly NoiseDraw[], chains: number): Evaluated[] {
    const compute = (): ChainTensors[] => {
      const source = NoiseSource.replaying(batched, this.stream.split(77));
      const weighted = drawWeighted(this.problem, chains * this.k, this.stream, 0, { guideSource: source });
      return this.chainTensors(weighted, batched, chains);
    };
    const compiler = this.compiler;
    if (!compiler) return this.toEvaluated(compute());
    const args = [batched.map((d) => d.tensor), this.problem.args];
    const key = `${chains}|${this.datapoints}|${batched.map((d) => `${d.kind}${d.tensor.shape.join('x')}`).join(',')}|${argsSignature(this.problem.args)}|${paramSignature()}`;
    const replayed = compiler.replay(key, args, this.stream);
    if (!replayed) return this.toEvaluated(compiler.eager(key, args, this.stream, [], compute));
    // Tensors (and weights) of our own: a replay's arrays are reused by the next one.
    let at = 0;
    const next = (): Float32Array => replayed.outputs[at++] as Float32Array;
    return replayed.summary.chains.map((c) => {
      const logW = tf.tensor(next(), [...c.logW]);
      const weights = Float32Array.from(next());
      const noise = c.noise.map((d) => ({ kind: d.kind, tensor: tf.tensor(next(), [...d.shape]) }));
      const values = Object.fromEntries(c.values.map((v) => [v.name, tf.tensor(next(), [...v.shape])] as const));
      return { state: { noise, index: new Int32Array(0) }, values, weights, logW };
    });
  }

  /** Chains with their weights read back (indices are chosen by the caller). */
  private toEvaluated(chains: readonly ChainTensors[]): Evaluated[] {
    return chains.map((c) => ({ state: { noise: c.noise, index: new Int32Array(0) }, values: c.values, weights: c.wbar.dataSync() as Float32Array, logW: c.logW }));
  }

  /**
   * One kernel step of each chain with shared randomness: the same auxiliary positions a, the same
   * fresh noise, and (for two chains) maximally coupled index draws. `met[b]` forces equal indices.
   */
  step(chains: readonly ChainState[], beta: number, stepStream: Stream, met: Uint8Array): { evaluated: Evaluated[]; a: Int32Array } {
    if (beta > 0 && this.usesUniforms) {
      fail('unsupported-model', 'cisir: DISIR needs a reparameterised (Gaussian-noise) guide; this guide draws uniforms (a discrete site). Use kernel: "isir"');
    }
    const b = this.datapoints;
    // Drawn for the full batch (one cheap integer each), then picked by original datapoint.
    const aStream = stepStream.split(1);
    const aFull = Int32Array.from({ length: this.fullDatapoints }, () => aStream.int(this.k));
    const a = Int32Array.from({ length: b }, (_, j) => aFull[this.original(j)]!);
    const fresh = freshNoise(this.fullSpecs, stepStream.split(2), this.dataAxis, this.live);
    const proposals = chains.map((chain) =>
      chain.noise.map((d, i) => ({
        kind: d.kind,
        tensor: proposalNoise(d.tensor, chain.index, fresh[i]!.tensor, a, beta, this.dataAxis),
      })),
    );
    const batched = proposals[0]!.map((d, i) => ({ kind: d.kind, tensor: tf.concat(proposals.map((p) => p[i]!.tensor), 0) }));
    const evaluated = this.evaluate(batched, chains.length);
    const indexStream = stepStream.split(3);
    const indices = evaluated.map(() => new Int32Array(b));
    for (let j = 0; j < b; j++) {
      const own = indexStream.split(this.original(j));
      if (evaluated.length === 2) {
        const [i0, i1] = maximalCoupling(this.column(evaluated[0]!.weights, j), this.column(evaluated[1]!.weights, j), own);
        indices[0]![j] = i0;
        indices[1]![j] = met[j] ? i0 : i1;
      } else {
        indices[0]![j] = categoricalIndex(this.column(evaluated[0]!.weights, j), own);
      }
    }
    return { evaluated: evaluated.map((e, c) => ({ ...e, state: { noise: e.state.noise, index: indices[c]! } })), a };
  }
}
