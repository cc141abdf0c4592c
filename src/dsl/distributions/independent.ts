import * as tf from '@tensorflow/tfjs';
import type { Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { RandomSource } from '../../runtime/rng.js';
import type { Distribution } from './distribution.js';
import { checkExpand, lastAxes, logProbShape, sameShape, shapeString } from './shapes.js';

/**
 * `d.toEvent(n)`: the rightmost `n` batch dims of `d` become event dims, so `logProb` sums over them
 * (Pyro's `to_event`, torch's `Independent`).
 */
export class Independent implements Distribution {
  readonly name: string;
  readonly batchShape: readonly number[];
  readonly eventShape: readonly number[];
  readonly support: Constraint;
  readonly hasRsample: boolean;

  constructor(
    readonly base: Distribution,
    readonly reinterpreted: number,
  ) {
    const split = base.batchShape.length - reinterpreted;
    this.name = base.name;
    this.batchShape = base.batchShape.slice(0, split);
    this.eventShape = [...base.batchShape.slice(split), ...base.eventShape];
    this.support = reinterpretConstraint(base.support, reinterpreted);
    this.hasRsample = base.hasRsample;
  }

  sample(rng?: RandomSource): tf.Tensor {
    return this.base.sample(rng);
  }

  rsample(rng?: RandomSource): tf.Tensor {
    return this.base.rsample(rng);
  }

  logProb(value: tf.Tensor): tf.Tensor {
    logProbShape(this.name, value.shape, this.batchShape, this.eventShape);
    return tf.tidy(() => {
      const lp = this.base.logProb(value);
      return tf.sum(lp, lastAxes(lp.rank, this.reinterpreted));
    });
  }

  expand(batchShape: readonly number[]): Distribution {
    const target = checkExpand(this.name, this.batchShape, batchShape);
    if (sameShape(target, this.batchShape)) return this;
    const inner = this.base.batchShape.slice(this.base.batchShape.length - this.reinterpreted);
    return new Independent(this.base.expand([...target, ...inner]), this.reinterpreted);
  }

  toEvent(n: number): Distribution {
    return reinterpret(this, n);
  }

  mean(): tf.Tensor {
    return this.base.mean();
  }

  variance(): tf.Tensor {
    return this.base.variance();
  }
}

/** `d.toEvent(n)` for any distribution: checks `n`, flattens nested reinterpretations. */
export function reinterpret(d: Distribution, n: number): Distribution {
  if (!Number.isInteger(n) || n < 0) {
    fail('invalid-argument', `${d.name}: toEvent needs a non-negative integer, got ${n}`, d.name);
  }
  if (n > d.batchShape.length) {
    fail(
      'shape-mismatch',
      `${d.name}: toEvent(${n}) needs at least ${n} batch dims, but the batch shape is ${shapeString(d.batchShape)}`,
      d.name,
    );
  }
  if (n === 0) return d;
  if (d instanceof Independent) return new Independent(d.base, d.reinterpreted + n);
  return new Independent(d, n);
}

/** A constraint whose `n` extra rightmost dims belong to one element (checked and summed jointly). */
export function reinterpretConstraint(c: Constraint, n: number): Constraint {
  if (n === 0) return c;
  const transform = c.transform;
  return {
    name: c.name,
    discrete: c.discrete,
    eventDim: c.eventDim + n,
    check: (v) =>
      tf.tidy(() => {
        const inner = c.check(v);
        return tf.all(inner, lastAxes(inner.rank, Math.min(n, inner.rank)));
      }),
    transform: transform && {
      forward: (x) => transform.forward(x),
      inverse: (y) => transform.inverse(y),
      logAbsDetJacobian: (x) =>
        tf.tidy(() => {
          const inner = transform.logAbsDetJacobian(x);
          return tf.sum(inner, lastAxes(inner.rank, Math.min(n, inner.rank)));
        }),
      unconstrainedShape: (shape) => transform.unconstrainedShape(shape),
    },
    describe: () => c.describe(),
  };
}
