import type * as tf from '@tensorflow/tfjs';
import type { Distribution } from '../../dsl/distributions/distribution.js';
import type { Constraint } from '../../runtime/constraints.js';

/**
 * How a mean-field family guides one site: the parameter blocks it needs per datapoint, the law built
 * from them, and its point estimate. Blocks are params (`${prefix}.${key}.${site}`, over each plate's
 * full size, gathered to the subsample) or outputs of an amortisation network; the head does not care.
 */
export interface Block {
  /** Names the param: `${prefix}.${key}.${site}` ('loc', 'scale', 'logits'). */
  readonly key: string;
  /** The block's trailing dims after the site's batch dims. */
  readonly event: readonly number[];
  /** Where the block lives: real, positive, or the site's support. */
  readonly constraint: Constraint;
  /** Its initial value (in `constraint`) over [...paramBatch, ...event]. */
  readonly init: () => tf.Tensor;
}

export interface Head {
  readonly blocks: readonly Block[];
  /** The guide's law of the site given each block's value (shape [...batch, ...event]). */
  law(values: Readonly<Record<string, tf.Tensor>>): Distribution;
  /** A point in the support summarising the law (the median for scalar supports). */
  point(values: Readonly<Record<string, tf.Tensor>>): tf.Tensor;
}
