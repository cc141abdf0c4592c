import type * as tf from '@tensorflow/tfjs';
import type { Constraint } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';

/** A number or a tensor: every distribution argument accepts either. */
export type TensorLike = number | tf.Tensor;

/**
 * A probability distribution over tensors of shape `batchShape ++ eventShape`.
 *
 * Shapes follow the usual convention: batch dims are independent (broadcast from the right),
 * event dims are the rightmost `eventShape.length` dims of a single draw and are summed by `logProb`.
 * To draw several independent values, `expand([n, ...batchShape])` and sample once.
 *
 * Randomness: `sample(rng)` / `rsample(rng)` take every random number from `rng` (by default the
 * current source of the `seed` / `particles` handlers), so seeded runs repeat exactly.
 *
 * @example
 * const d = normal(0, 1).expand([3]);
 * const x = d.sample();          // shape [3]
 * const lp = d.logProb(x);       // shape [3]
 */
export interface Distribution {
  /** The law's name as users write it ('normal', 'bernoulli', ...), used in error messages. */
  readonly name: string;
  readonly batchShape: readonly number[];
  readonly eventShape: readonly number[];
  /** Where values live; `logProb` is -Infinity outside it. */
  readonly support: Constraint;
  /** Does `rsample` give a value differentiable w.r.t. the parameters? */
  readonly hasRsample: boolean;
  /** A draw of shape batchShape ++ eventShape, with no gradient to the parameters. */
  sample(rng?: RandomSource): tf.Tensor;
  /** A reparameterised draw (gradients flow to the parameters); throws 'no-rsample' if unsupported. */
  rsample(rng?: RandomSource): tf.Tensor;
  /**
   * Log density (or mass) of `value`, whose shape is `[...sampleDims, ...batchShape, ...eventShape]`
   * up to broadcasting; the result has shape broadcast(value batch dims, batchShape).
   * Values outside the support give -Infinity.
   */
  logProb(value: tf.Tensor): tf.Tensor;
  /** The same law with its parameters broadcast to `batchShape` (which must be compatible). */
  expand(batchShape: readonly number[]): Distribution;
  /** Reinterpret the rightmost `n` batch dims as event dims (their log-probs are summed). */
  toEvent(n: number): Distribution;
  /** Mean and variance, where finite and known in closed form (used by tests, guides, KL terms). */
  mean(): tf.Tensor;
  variance(): tf.Tensor;
  /**
   * Every value of a finite support as a 1-D tensor, for laws with scalar events that have one
   * (categorical, bernoulli): what `sample(name, d, { enumerate: true })` sums over.
   */
  enumerateSupport?(): tf.Tensor;
}
