import * as tf from '@tensorflow/tfjs';
import { boolean } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { xlog1py, xlogy } from '../math/special.js';
import { namedProbs, oneOf, toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';

/** How a two-outcome law is parameterised: a probability of 1, or its log-odds. */
export type ProbsOrLogits = { probs: TensorLike; logits?: never } | { logits: TensorLike; probs?: never };

/** Internal: the probability (or logit) parameter as given; log-probs use whichever is stabler. */
export type BinaryParam = { kind: 'probs'; probs: tf.Tensor } | { kind: 'logits'; logits: tf.Tensor };

export function binaryParam(dist: string, given: ProbsOrLogits): BinaryParam {
  const key = oneOf(dist, given as Partial<Record<'probs' | 'logits', TensorLike>>, ['probs', 'logits']);
  return key === 'probs'
    ? { kind: 'probs', probs: toParam(dist, 'probs', given.probs!, 'probability') }
    : { kind: 'logits', logits: toParam(dist, 'logits', given.logits!, 'logit') };
}

export function paramShape(p: BinaryParam): number[] {
  return p.kind === 'probs' ? [...p.probs.shape] : [...p.logits.shape];
}

export function probsOf(p: BinaryParam): tf.Tensor {
  return p.kind === 'probs' ? p.probs : tf.sigmoid(p.logits);
}

/** The Bernoulli law: values 0 or 1 (float32). */
export class Bernoulli extends DistributionBase {
  readonly name = 'bernoulli';
  readonly support = boolean;
  readonly hasRsample = false;

  constructor(
    readonly param: BinaryParam,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    const u = rng.uniform(this.batchShape);
    // u < p; with logits, compare on the logit scale (logit(u) < logits) to keep tiny p exact.
    const hit =
      this.param.kind === 'probs'
        ? tf.less(u, this.param.probs)
        : tf.less(tf.sub(tf.log(u), tf.log1p(tf.neg(u))), this.param.logits);
    return tf.cast(hit, 'float32');
  }

  protected override interior(): tf.Tensor {
    return tf.scalar(0);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    if (this.param.kind === 'probs') {
      const p = this.param.probs;
      return tf.add(xlogy(x, p), xlog1py(tf.sub(1, x), tf.neg(p)));
    }
    // log p(x) = -softplus(-l) for x = 1, -softplus(l) for x = 0: both at once, no cancellation.
    return tf.neg(tf.softplus(tf.mul(tf.sub(1, tf.mul(x, 2)), this.param.logits)));
  }

  /** The two outcomes, 0 and 1 (what enumeration sums over). */
  enumerateSupport(): tf.Tensor {
    return tf.tensor1d([0, 1]);
  }

  protected meanValue(): tf.Tensor {
    return probsOf(this.param);
  }

  protected varianceValue(): tf.Tensor {
    const p = probsOf(this.param);
    return tf.mul(p, tf.sub(1, p));
  }

  protected withBatchShape(batchShape: readonly number[]): Bernoulli {
    return new Bernoulli(this.param, batchShape);
  }
}

/**
 * The Bernoulli distribution on {0, 1} (values are float32 0 and 1), from `{ probs }` (the
 * probability of 1; a bare number or tensor means probs, as in the language) or `{ logits }` (its
 * log-odds, preferred for stability). Not reparameterised.
 *
 * @example
 * observe('x', dist.bernoulli({ logits: decoder(z) }), x);
 * const coin = sample('coin', dist.bernoulli({ probs: 0.5 }));
 */
export function bernoulli(given: ProbsOrLogits | TensorLike): Bernoulli {
  const p = binaryParam('bernoulli', namedProbs(given) as ProbsOrLogits);
  return new Bernoulli(p, paramShape(p));
}
