import * as tf from '@tensorflow/tfjs';
import { integerInterval, type Constraint } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { untaped } from '../../runtime/detach.js';
import { namedProbs, oneOf, requireRank, toParam, validateRelation } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';

/** How a categorical law is parameterised: probabilities (normalised here) or unnormalised logits. */
export type CategoricalParams = { probs: TensorLike; logits?: never } | { logits: TensorLike; probs?: never };

/** The categorical law over {0, ..., n-1}; values are float32 indices. */
export class Categorical extends DistributionBase {
  readonly name = 'categorical';
  readonly support: Constraint;
  readonly hasRsample = false;

  /** @param logits normalised log-probabilities [..., n] */
  constructor(
    readonly logits: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
    this.support = integerInterval(0, this.size - 1);
  }

  get size(): number {
    return this.logits.shape[this.logits.rank - 1]!;
  }

  /** The normalised probabilities [..., n] (a new tensor, owned by the caller). */
  get probs(): tf.Tensor {
    return tf.exp(this.logits);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    // Gumbel-max: argmax(logits + Gumbel noise), the uniforms on a trailing category dim.
    const u = rng.uniform([...this.batchShape, this.size]);
    const gumbel = tf.neg(tf.log(tf.neg(tf.log(u))));
    const scores = tf.add(this.logits, gumbel);
    return tf.cast(tf.argMax(scores, scores.rank - 1), 'float32');
  }

  protected override interior(): tf.Tensor {
    return tf.scalar(0);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const n = this.size;
    // Select log p[x] with a mask, not a product: 0 * (-Infinity) for impossible categories is NaN.
    const pick = untaped(() => tf.cast(tf.oneHot(tf.cast(x, 'int32'), n), 'bool'));
    const selected = tf.where(pick, this.logits, tf.zerosLike(this.logits));
    return tf.sum(selected, selected.rank - 1);
  }

  /** Every category, 0..n-1 (what enumeration sums over). */
  enumerateSupport(): tf.Tensor {
    return this.indices();
  }

  private indices(): tf.Tensor {
    return tf.range(0, this.size, 1, 'float32');
  }

  /** The mean of the index value, sum_i i p_i. */
  protected meanValue(): tf.Tensor {
    return tf.sum(tf.mul(this.probs, this.indices()), this.logits.rank - 1);
  }

  /** The variance of the index value. */
  protected varianceValue(): tf.Tensor {
    const p = this.probs;
    const i = this.indices();
    const m = tf.sum(tf.mul(p, i), this.logits.rank - 1, true);
    return tf.sum(tf.mul(p, tf.square(tf.sub(i, m))), this.logits.rank - 1);
  }

  protected withBatchShape(batchShape: readonly number[]): Categorical {
    return new Categorical(this.logits, batchShape);
  }
}

/**
 * The categorical distribution over indices {0, ..., n-1}, from `{ probs }` (non-negative, normalised
 * here) or `{ logits }` (unnormalised log-probabilities; -Infinity excludes a category), with the
 * categories on the last dim. Batch shape is that tensor's shape without its last dim; event shape [].
 * Values are float32 indices (0, 1, 2, ...), like every other tensor in roulette; int32 values are
 * accepted by `logProb`. `mean()`/`variance()` are those of the index. Not reparameterised.
 *
 * @example
 * const k = sample('k', dist.categorical({ logits: tf.tensor([0, 1, 2]) })); // 0, 1 or 2
 * const c = sample('c', dist.categorical(tf.tensor([0.2, 0.8]))); // probs, positionally as in the language
 */
export function categorical(given: CategoricalParams | TensorLike): Categorical {
  const params = namedProbs(given) as CategoricalParams;
  const key = oneOf('categorical', params as Partial<Record<'probs' | 'logits', TensorLike>>, ['probs', 'logits']);
  const raw =
    key === 'probs'
      ? toParam('categorical', 'probs', params.probs!, 'nonnegative')
      : toParam('categorical', 'logits', params.logits!, 'logit');
  requireRank('categorical', key, raw, 1, 'the categories on the last dim');
  const axis = raw.rank - 1;
  const logits = tf.tidy(() => {
    if (key === 'probs') {
      validateRelation('categorical', 'probs', 'probs must have a positive sum over the categories', () =>
        tf.greater(tf.sum(raw, axis), 0),
      );
      return tf.sub(tf.log(raw), tf.log(tf.sum(raw, axis, true)));
    }
    return tf.sub(raw, tf.logSumExp(raw, axis, true));
  });
  return new Categorical(logits, raw.shape.slice(0, -1));
}
