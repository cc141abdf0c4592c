import * as tf from '@tensorflow/tfjs';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { LOG_2PI } from '../math/special.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** `grad` summed over the axes `shape` was broadcast along, in `shape` (the gradient of a broadcast input). */
function reducedTo(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const axes = tf.backend_util.getReductionAxes(shape as number[], grad.shape);
  const summed = axes.length > 0 ? tf.sum(grad, axes, true) : grad;
  return tf.reshape(summed, shape as number[]);
}

/**
 * log N(x; loc, scale^2) as one taped op with its gradient written out: tfjs would tape the six ops of
 * the formula, clone their saved inputs and run their generic gradients (about 40 kernels for one
 * site), where this runs the forward's six untaped and eight for the gradients
 * (d/dx = -z / scale, d/dloc = z / scale, d/dscale = (z^2 - 1) / scale, with z = (x - loc) / scale).
 */
const normalLogDensityOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, loc, scale] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
  const z = tf.div(tf.sub(x, loc), scale);
  (args[3] as tf.GradSaveFunc)([z, scale]);
  return {
    value: tf.sub(tf.mul(tf.square(z), -0.5), tf.add(tf.log(scale), 0.5 * LOG_2PI)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [zs, s] = saved as [tf.Tensor, tf.Tensor];
      const dLoc = tf.div(tf.mul(dy, zs), s);
      const dScale = tf.div(tf.mul(dy, tf.sub(tf.square(zs), 1)), s);
      return [reducedTo(tf.neg(dLoc), x.shape), reducedTo(dLoc, loc.shape), reducedTo(dScale, scale.shape)];
    },
  };
});

function normalLogDensity(x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return normalLogDensityOp(x, loc, scale) as tf.Tensor;
}

/** The normal law N(loc, scale^2). */
export class Normal extends DistributionBase {
  readonly name = 'normal';
  readonly support = real;
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return tf.add(this.loc, tf.mul(this.scale, rng.normal(this.batchShape)));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    return normalLogDensity(x, this.loc, this.scale);
  }

  protected meanValue(): tf.Tensor {
    return this.loc;
  }

  protected varianceValue(): tf.Tensor {
    return tf.square(this.scale);
  }

  protected withBatchShape(batchShape: readonly number[]): Normal {
    return new Normal(this.loc, this.scale, batchShape);
  }
}

/**
 * The normal distribution with mean `loc` and standard deviation `scale` (> 0). Reparameterised.
 *
 * @example
 * const z = sample('z', dist.normal(0, 1));
 * dist.normal(tf.zeros([3]), 2).logProb(tf.ones([3])); // shape [3]
 */
export function normal(loc: TensorLike, scale: TensorLike): Normal {
  const l = toParam('normal', 'loc', loc, 'real');
  const s = toParam('normal', 'scale', scale, 'positive');
  return new Normal(l, s, broadcastArgs('normal', [['loc', l.shape], ['scale', s.shape]]));
}
