import * as tf from '@tensorflow/tfjs';
import { real } from '../../runtime/constraints.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';

/**
 * The law behind `factor(name, logWeight)`: no randomness, only a log weight. Its draws are zeros of the
 * batch shape; `logProb` of any value is the log weight, broadcast (gradients flow to it).
 */
export class Unit extends DistributionBase {
  readonly name = 'unit';
  readonly support = real;
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly logWeight: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(): tf.Tensor {
    return tf.zeros([...this.batchShape]);
  }

  protected logDensity(): tf.Tensor {
    return this.logWeight;
  }

  protected meanValue(): tf.Tensor {
    return tf.scalar(0);
  }

  protected varianceValue(): tf.Tensor {
    return tf.scalar(0);
  }

  protected withBatchShape(batchShape: readonly number[]): Unit {
    return new Unit(this.logWeight, batchShape);
  }
}

/**
 * Internal (used by `factor`): the unit law carrying `logWeight` (batch shape = its shape).
 *
 * @example
 * unit(tf.scalar(-1.5)).logProb(tf.scalar(0)); // -1.5
 */
export function unit(logWeight: TensorLike): Unit {
  const w = toParam('unit', 'logWeight', logWeight, 'logit');
  return new Unit(w, [...w.shape]);
}
