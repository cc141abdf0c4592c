import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import { vectorizedSource } from '../../runtime/handlers/particles.js';
import type { Stream } from '../../runtime/rng.js';
import { drawWeighted, prepare, requirePerDatapoint, type Weighted } from '../log-weights.js';
import type { Problem } from '../program.js';
import { categoricalIndex, maximalCoupling } from './coupling.js';
import { freshNoise, NoiseSource, refreshedNoise, selectParticle, type NoiseDraw, type NoiseSpec } from './noise.js';

/** One chain of the extended target: K particles (as guide noise) and the selected index per datapoint. */
export interface ChainState {
  readonly noise: readonly NoiseDraw[];
  readonly index: Int32Array;
}

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
 * batched evaluation of C x K particles.
 */
export class ChainRunner<A extends unknown[]> {
  readonly datapoints: number;
  readonly dataAxis: number | undefined;
  readonly scale: number;
  /** Kinds and shapes of one chain's noise (K particles). */
  readonly specs: readonly NoiseSpec[];
  readonly usesUniforms: boolean;

  private constructor(
    private readonly problem: Problem<A>,
    readonly k: number,
    private readonly stream: Stream,
    first: Weighted,
    recorded: readonly NoiseDraw[],
  ) {
    const dim = prepare(problem, stream);
    const plate = first.dataPlate;
    this.datapoints = plate ? plate.subsampleSize : 1;
    this.dataAxis = plate ? -dim + plate.dim : undefined;
    this.scale = first.dataScale;
    this.specs = recorded.map((d) => ({ kind: d.kind, shape: [k, ...d.tensor.shape.slice(1)] }));
    this.usesUniforms = recorded.some((d) => d.kind === 'uniform');
  }

  /** Start `chains` chains from independent draws (pi_0): K fresh particles, index ~ Cat(w). */
  static start<A extends unknown[]>(problem: Problem<A>, k: number, chains: number, stream: Stream, indexStream: Stream) {
    if (!problem.vectorize) fail('invalid-argument', 'cisir: coupled chains need vectorised particles (vectorize: true)');
    const recorder = NoiseSource.recording(vectorizedSource(stream.split(100), chains * k), stream.split(77));
    const weighted = drawWeighted(problem, chains * k, stream, 0, { guideSource: recorder });
    requirePerDatapoint(weighted, 'cisir');
    if (weighted.subsampled && !weighted.dataPlate) fail('unsupported-model', 'cisir: every latent must lie in the data plate');
    const runner = new ChainRunner(problem, k, stream, weighted, recorder.recorded);
    const evaluated = runner.split(weighted, recorder.recorded, chains);
    recorder.disposeRecorded(); // the chains hold their own slices
    const states = evaluated.map((e) => {
      const index = new Int32Array(runner.datapoints);
      for (let b = 0; b < runner.datapoints; b++) index[b] = categoricalIndex(runner.column(e.weights, b), indexStream);
      return { ...e, state: { noise: e.state.noise, index } };
    });
    return { runner, states };
  }

  /** Weights of datapoint b as a length-K array. */
  column(weights: Float32Array, b: number): Float64Array {
    const out = new Float64Array(this.k);
    for (let i = 0; i < this.k; i++) out[i] = weights[i * this.datapoints + b]!;
    return out;
  }

  /** Split a batched evaluation of C x K particles into C chains. */
  private split(weighted: Weighted, noise: readonly NoiseDraw[], chains: number): Evaluated[] {
    const k = this.k;
    const logW = weighted.logWeights();
    const columns = logW.rank === 1 ? tf.expandDims(logW, 1) : logW;
    const latents = weighted.runs[0]!.guide.latentSites();
    return Array.from({ length: chains }, (_, c) => {
      const lw = tf.slice(columns, c * k, k);
      const values = Object.fromEntries(latents.map((s) => [s.name, tf.slice(s.value, c * k, k)] as const));
      const wbar = tf.exp(tf.sub(lw, tf.logSumExp(lw, 0, true)));
      return {
        state: { noise: noise.map((d) => ({ kind: d.kind, tensor: tf.slice(d.tensor, c * k, k) })), index: new Int32Array(0) },
        values,
        weights: wbar.dataSync() as Float32Array,
        logW: lw,
      };
    });
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
    const a = new Int32Array(b);
    const aStream = stepStream.split(1);
    for (let j = 0; j < b; j++) a[j] = aStream.int(this.k);
    const fresh = freshNoise(this.specs, stepStream.split(2));
    const proposals = chains.map((chain) =>
      chain.noise.map((d, i) => ({
        kind: d.kind,
        tensor: refreshedNoise(selectParticle(d.tensor, chain.index, this.dataAxis), fresh[i]!.tensor, a, beta, this.dataAxis),
      })),
    );
    const batched = proposals[0]!.map((d, i) => ({ kind: d.kind, tensor: tf.concat(proposals.map((p) => p[i]!.tensor), 0) }));
    const source = NoiseSource.replaying(batched, this.stream.split(77));
    const weighted = drawWeighted(this.problem, chains.length * this.k, this.stream, 0, { guideSource: source });
    const evaluated = this.split(weighted, batched, chains.length);
    const indexStream = stepStream.split(3);
    const indices = evaluated.map(() => new Int32Array(b));
    for (let j = 0; j < b; j++) {
      if (evaluated.length === 2) {
        const [i0, i1] = maximalCoupling(this.column(evaluated[0]!.weights, j), this.column(evaluated[1]!.weights, j), indexStream);
        indices[0]![j] = i0;
        indices[1]![j] = met[j] ? i0 : i1;
      } else {
        indices[0]![j] = categoricalIndex(this.column(evaluated[0]!.weights, j), indexStream);
      }
    }
    return { evaluated: evaluated.map((e, c) => ({ ...e, state: { noise: e.state.noise, index: indices[c]! } })), a };
  }
}
