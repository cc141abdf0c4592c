import * as tf from '@tensorflow/tfjs';
import { real, type Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import { untaped } from '../../runtime/detach.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { reinterpretConstraint } from './independent.js';
import { lastAxes, shapeString } from './shapes.js';

/** A point mass at `value`; its rightmost `eventDim` dims form one event. */
export class Delta extends DistributionBase {
  readonly name = 'delta';
  readonly support: Constraint;
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly value: tf.Tensor,
    readonly eventDim: number,
    batchShape: readonly number[],
  ) {
    super(batchShape, value.shape.slice(value.rank - eventDim));
    this.support = reinterpretConstraint(real, eventDim);
  }

  protected draw(): tf.Tensor {
    return tf.broadcastTo(this.value, this.fullShape);
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    const same = untaped(() => {
      const equal = tf.equal(x, this.value);
      return this.eventDim > 0 ? tf.all(equal, lastAxes(equal.rank, this.eventDim)) : equal;
    });
    return tf.where(same, tf.scalar(0), tf.scalar(-Infinity));
  }

  protected meanValue(): tf.Tensor {
    return this.value;
  }

  protected varianceValue(): tf.Tensor {
    return tf.zerosLike(this.value);
  }

  protected withBatchShape(batchShape: readonly number[]): Delta {
    return new Delta(this.value, this.eventDim, batchShape);
  }
}

/**
 * The point mass at `value`: `logProb` is 0 at the value and -Infinity elsewhere; `rsample` returns the
 * value itself, so gradients flow through it. The rightmost `eventDim` dims (default 0) form the event.
 *
 * @example
 * const z = sample('z', dist.delta(tf.tensor([1, 2]), { eventDim: 1 })); // a MAP-style guide site
 */
export function delta(value: TensorLike, options: { eventDim?: number } = {}): Delta {
  const v = toParam('delta', 'value', value, 'logit');
  const eventDim = options.eventDim ?? 0;
  if (!Number.isInteger(eventDim) || eventDim < 0 || eventDim > v.rank) {
    fail(
      'invalid-argument',
      `delta: eventDim must be an integer from 0 to the value's rank ${v.rank} (shape ${shapeString(v.shape)}), got ${eventDim}`,
      'delta.eventDim',
    );
  }
  return new Delta(v, eventDim, v.shape.slice(0, v.rank - eventDim));
}
