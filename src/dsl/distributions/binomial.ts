import * as tf from '@tensorflow/tfjs';
import { integerInterval, type Constraint } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { lgamma, xlog1py, xlogy } from '../math/special.js';
import { namedProbs, toParam } from './args.js';
import { DistributionBase } from './base.js';
import { binaryParam, paramShape, probsOf, type BinaryParam, type ProbsOrLogits } from './bernoulli.js';
import { binomialDraw } from './count-samplers.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** The binomial law: successes in `totalCount` trials; values are float32 counts. */
export class Binomial extends DistributionBase {
  readonly name = 'binomial';
  readonly support: Constraint;
  readonly hasRsample = false;

  constructor(
    readonly totalCount: tf.Tensor,
    readonly param: BinaryParam,
    batchShape: readonly number[],
    support: Constraint,
  ) {
    super(batchShape, []);
    this.support = support;
  }

  protected draw(rng: RandomSource): tf.Tensor {
    const shape = this.batchShape;
    // Host-side exact sampler; per-element parameters read from broadcast copies (flat index = element).
    // Called inside sample()'s scope, which disposes the copies.
    const counts = tf.broadcastTo(this.totalCount, [...shape]).dataSync();
    const probs = tf.broadcastTo(probsOf(this.param), [...shape]).dataSync();
    return rng.fill(shape, (stream, i) => binomialDraw(stream, counts[i]!, probs[i]!));
  }

  protected override interior(): tf.Tensor {
    return tf.scalar(0);
  }

  protected logDensity(k: tf.Tensor): tf.Tensor {
    const n = this.totalCount;
    const rest = tf.sub(n, k);
    const logChoose = tf.sub(lgamma(tf.add(n, 1)), tf.add(lgamma(tf.add(k, 1)), lgamma(tf.add(rest, 1))));
    if (this.param.kind === 'probs') {
      const p = this.param.probs;
      return tf.add(logChoose, tf.add(xlogy(k, p), xlog1py(rest, tf.neg(p))));
    }
    // k log p + (n-k) log(1-p) = -k softplus(-l) - (n-k) softplus(l): two non-positive terms, no cancellation.
    const l = this.param.logits;
    return tf.sub(logChoose, tf.add(tf.mul(k, tf.softplus(tf.neg(l))), tf.mul(rest, tf.softplus(l))));
  }

  protected meanValue(): tf.Tensor {
    return tf.mul(this.totalCount, probsOf(this.param));
  }

  protected varianceValue(): tf.Tensor {
    const p = probsOf(this.param);
    return tf.mul(tf.mul(this.totalCount, p), tf.sub(1, p));
  }

  protected withBatchShape(batchShape: readonly number[]): Binomial {
    return new Binomial(this.totalCount, this.param, batchShape, this.support);
  }
}

/**
 * The binomial distribution: successes in `totalCount` (a non-negative integer) independent trials
 * with success probability `{ probs }` (or positionally, as in the language) or log-odds `{ logits }`. Values are float32 counts. Sampled
 * exactly on the host (inversion for n min(p, 1-p) < 10, Hörmann's BTRS above). Not reparameterised.
 * Note: float32 log-factorials cancel for large totalCount (absolute logProb error ~1e-7 * n log n).
 *
 * @example
 * observe('successes', dist.binomial(20, { logits: theta }), data);
 */
export function binomial(totalCount: TensorLike, given: ProbsOrLogits | TensorLike): Binomial {
  const params = namedProbs(given) as ProbsOrLogits;
  const n = toParam('binomial', 'totalCount', totalCount, 'count');
  const p = binaryParam('binomial', params);
  const batch = broadcastArgs('binomial', [['totalCount', n.shape], [p.kind, paramShape(p)]]);
  return new Binomial(n, p, batch, integerInterval(0, typeof totalCount === 'number' ? totalCount : n));
}
