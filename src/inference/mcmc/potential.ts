import * as tf from '@tensorflow/tfjs';
import { biject } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import { withSeed } from '../../runtime/handlers/seed.js';
import { UnconstrainMessenger } from '../../runtime/handlers/unconstrain.js';
import type { Stream } from '../../runtime/rng.js';
import { isolated, particleDimOf, runProgram, type Program } from '../program.js';

/**
 * The log density of a model's latents in unconstrained space, log p(x, T(u)) + log |det J_T(u)|, and
 * its gradient, for C chains at once: the sampler's only contact with tfjs. Positions and gradients
 * live on the host (Float64Array, chain-major [C, D]); one call runs the model once for all chains
 * (the chain axis is the particle dim) or, for a model that cannot broadcast, once per chain.
 */

/** One latent site as laid out in the flat unconstrained vector. */
export interface LatentLayout {
  readonly name: string;
  /** The site's shape in one run: batch shape then event shape. */
  readonly shape: readonly number[];
  readonly batchShape: readonly number[];
  /** One event in unconstrained space (a simplex loses one entry). */
  readonly unconstrainedEvent: readonly number[];
  /** Its support, in words (for summaries). */
  readonly support: string;
  /** Its unconstrained shape in one run (a simplex loses one entry per event). */
  readonly unconstrainedShape: readonly number[];
  /** Where its unconstrained entries start in the flat vector, and how many. */
  readonly offset: number;
  readonly size: number;
  /** Constrained entries per run (prod of `shape`), and where they start among all sites' values. */
  readonly valueOffset: number;
  readonly valueSize: number;
}

export interface Evaluation {
  /** log density per chain (-Infinity where it is not finite). */
  readonly logDensity: Float64Array;
  /** Its gradient, [C, D] (zeros where the density is not finite). */
  readonly gradient: Float64Array;
  /** The constrained values of every site, [C, V] (V = sum of valueSize), for the draws. */
  readonly values: Float32Array;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Sum a [C, ...] tensor to [C] (vectorised), or any tensor to a scalar (one chain). */
function perChain(t: tf.Tensor, vectorized: boolean): tf.Tensor {
  const from = vectorized ? 1 : 0;
  if (t.rank <= from) return t;
  return tf.sum(t, Array.from({ length: t.rank - from }, (_, i) => i + from));
}

/** The model's latents, found by one run hidden from outer handlers; their layout and the particle dim. */
export interface ModelLayout {
  readonly sites: readonly LatentLayout[];
  /** Total unconstrained dimension D. */
  readonly dimension: number;
  /** Total constrained entries V per chain. */
  readonly valueSize: number;
  /** The batch dim the chain axis takes (left of every dim the model uses). */
  readonly chainDim: number;
}

export function layoutOf<A extends unknown[]>(model: Program<A>, args: A, stream: Stream): ModelLayout {
  let out: ModelLayout | undefined;
  tf.tidy(() => {
    const trace = isolated(() => withSeed(stream, () => runProgram(model, args, { role: 'model' })));
    let offset = 0;
    let valueOffset = 0;
    const sites: LatentLayout[] = [];
    for (const s of trace.latentSites()) {
      const where = `mcmc site '${s.name}'`;
      if (s.fn.support.discrete) {
        fail(
          'unsupported-model',
          `mcmc: site '${s.name}' is discrete (${s.fn.support.describe()}); HMC and NUTS move continuous latents only. ` +
            `Marginalise it out (sum over its values with a factor), or fit a guide instead`,
          s.name,
        );
      }
      const subsampled = s.plates.find((p) => p.subsampleSize < p.size);
      if (subsampled) {
        fail(
          'unsupported-model',
          `mcmc: site '${s.name}' lies in plate '${subsampled.name}', which subsamples ${subsampled.subsampleSize} of ${subsampled.size}; ` +
            `MCMC needs the exact density: run the plate without { subsample }`,
          s.name,
        );
      }
      const shape = [...s.fn.batchShape, ...s.fn.eventShape];
      const unconstrainedEvent = biject(s.fn.support, where).unconstrainedShape(s.fn.eventShape);
      const unconstrainedShape = [...s.fn.batchShape, ...unconstrainedEvent];
      const n = size(unconstrainedShape);
      sites.push({ name: s.name, shape, batchShape: [...s.fn.batchShape], unconstrainedEvent, support: s.fn.support.describe(), unconstrainedShape, offset, size: n, valueOffset, valueSize: size(shape) });
      offset += n;
      valueOffset += size(shape);
    }
    if (sites.length === 0) fail('invalid-argument', 'mcmc: the model has no latent sites to sample (every sample site is observed)', 'model');
    for (const s of trace.sampleSites()) {
      const subsampled = s.plates.find((p) => p.subsampleSize < p.size);
      if (subsampled) {
        fail('unsupported-model', `mcmc: observation '${s.name}' lies in plate '${subsampled.name}', which subsamples; MCMC needs the exact density: run the plate without { subsample }`, s.name);
      }
    }
    out = { sites, dimension: offset, valueSize: valueOffset, chainDim: particleDimOf(trace) };
  });
  return out!;
}

/** Evaluates log density and gradient at C positions: `vectorized` runs the model once for all of them. */
export class LogDensity<A extends unknown[]> {
  /** Model runs so far (one per call when vectorised, C per call otherwise). */
  modelRuns = 0;

  constructor(
    private readonly model: Program<A>,
    private readonly args: A,
    readonly layout: ModelLayout,
    readonly chains: number,
    readonly vectorized: boolean,
    /** Randomness the model might draw (it should not: every latent is set); fixed, so runs are pure. */
    private readonly stream: Stream,
  ) {}

  /**
   * log density, gradient and constrained values at `positions` ([C, D] row-major). Rows not `active`
   * may be skipped (the loop form does; the vectorised form evaluates every row in its one run).
   */
  evaluate(positions: Float64Array, active?: readonly boolean[]): Evaluation {
    const { dimension: d, valueSize: v } = this.layout;
    const c = this.chains;
    if (positions.length !== c * d) fail('shape-mismatch', `mcmc: expected ${c} x ${d} positions, got ${positions.length}`);
    const logDensity = new Float64Array(c);
    const gradient = new Float64Array(c * d);
    const values = new Float32Array(c * v);
    if (this.vectorized) {
      this.#evaluateRows(positions, 0, c, logDensity, gradient, values);
    } else {
      for (let i = 0; i < c; i++) if (!active || active[i]) this.#evaluateRows(positions, i, 1, logDensity, gradient, values);
    }
    for (let i = 0; i < c; i++) {
      if (Number.isFinite(logDensity[i]!) && gradient.subarray(i * d, (i + 1) * d).every(Number.isFinite)) continue;
      logDensity[i] = -Infinity;
      gradient.fill(0, i * d, (i + 1) * d);
    }
    return { logDensity, gradient, values };
  }

  /** Rows first..first+count-1; count > 1 only when vectorised. */
  #evaluateRows(positions: Float64Array, first: number, count: number, logDensity: Float64Array, gradient: Float64Array, values: Float32Array): void {
    const { dimension: d, valueSize: v, sites, chainDim } = this.layout;
    const vectorized = this.vectorized;
    const rank = -chainDim - 1; // batch dims the model uses; the chain axis sits left of them
    tf.tidy(() => {
      const rows = Float32Array.from(positions.subarray(first * d, (first + count) * d));
      const x = vectorized ? tf.tensor2d(rows, [count, d], 'float32') : tf.tensor1d(rows, 'float32');
      let kept: tf.Tensor[] = [];
      const f = (flat: tf.Tensor): tf.Scalar => {
        const blocks = new Map<string, tf.Tensor>();
        for (const s of sites) {
          const block = vectorized ? tf.slice(flat, [0, s.offset], [count, s.size]) : tf.slice(flat, [s.offset], [s.size]);
          // Vectorised: the chain axis first, the site's batch dims padded with 1s to the model's batch rank.
          const padded = vectorized ? [count, ...padBatch(s, rank)] : [...s.unconstrainedShape];
          blocks.set(s.name, tf.reshape(block, padded));
        }
        const unconstrain = new UnconstrainMessenger(blocks);
        const particles = vectorized ? { particles: { count, dim: chainDim, stream: this.stream } } : {};
        const trace = isolated(() => withSeed(this.stream, () => runProgram(this.model, this.args, { role: 'model', ...particles, values: unconstrain })));
        this.modelRuns++;
        let total: tf.Tensor = tf.zeros(vectorized ? [count] : []);
        for (const site of trace.sampleSites()) total = tf.add(total, perChain(site.logProb, vectorized));
        for (const ldj of unconstrain.logJacobians) total = tf.add(total, perChain(ldj, vectorized));
        kept = [tf.keep(total), ...sites.map((s) => {
          const y = unconstrain.constrained.get(s.name);
          if (!y) fail('unsupported-model', `mcmc: site '${s.name}' was not visited in this run; a model's latent sites must not change from run to run`, s.name);
          return tf.keep(tf.reshape(tf.broadcastTo(y, vectorized ? [count, ...padBatchValue(s, rank)] : [...s.shape]), [vectorized ? count : 1, s.valueSize]));
        })];
        return tf.sum(total) as tf.Scalar;
      };
      const grad = tf.grad(f)(x);
      const g = grad.dataSync();
      const lp = kept[0]!.dataSync();
      for (let i = 0; i < count; i++) logDensity[first + i] = lp[i]!;
      for (let j = 0; j < count * d; j++) gradient[first * d + j] = g[j]!;
      sites.forEach((s, k) => {
        const y = kept[k + 1]!.dataSync();
        for (let i = 0; i < count; i++) values.set(y.subarray(i * s.valueSize, (i + 1) * s.valueSize), (first + i) * v + s.valueOffset);
      });
      for (const t of kept) t.dispose();
    });
  }
}

/** The site's batch dims left-padded with 1s to `rank` batch dims (the chain axis goes left of them). */
function paddedBatch(s: LatentLayout, rank: number): number[] {
  return [...new Array<number>(Math.max(0, rank - s.batchShape.length)).fill(1), ...s.batchShape];
}

const padBatch = (s: LatentLayout, rank: number): number[] => [...paddedBatch(s, rank), ...s.unconstrainedEvent];
const padBatchValue = (s: LatentLayout, rank: number): number[] => [...paddedBatch(s, rank), ...s.shape.slice(s.batchShape.length)];
