import * as tf from '@tensorflow/tfjs';
import { ownGradients, reducedTo } from '../../runtime/broadcast-gradient.js';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { LOG_2PI } from '../math/special.js';
import { fused, rowElements } from '../../runtime/fused/kernel.js';
import { fusedNormalDraw, fusedNormalLogDensity, NORMAL_DRAW_KERNEL, normalLogDensityKernelName } from '../../runtime/fused/normal.js';
import { toParam } from './args.js';
import { DistributionBase } from './base.js';
import type { TensorLike } from './distribution.js';
import { broadcastArgs } from './shapes.js';

/** The normal's parameters given as numbers: constants, so no gradient is formed for them. */
interface ConstantParams {
  readonly loc?: number | undefined;
  readonly scale?: number | undefined;
}

/**
 * log N(x; loc, scale^2): one fused kernel where the backend has it (wasm, cpu: src/runtime/fused/normal.ts),
 * else one taped op with its gradient written out: tfjs would tape the six ops of
 * the formula, clone their saved inputs and run their generic gradients (about 40 kernels for one
 * site), where this runs the forward's six untaped and at most six for the gradients
 * (d/dx = -z / scale, d/dloc = z / scale, d/dscale = (z^2 - 1) / scale, with z = (x - loc) / scale).
 * A parameter given as a number is no input of the op: its gradient is never formed, and a standard
 * normal's log density is three kernels.
 */
function normalLogDensity(x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor, constant: ConstantParams): tf.Tensor {
  if (fused(normalLogDensityKernelName({ loc: constant.loc === undefined, scale: constant.scale === undefined }), rowElements([x, loc, scale]))) {
    return fusedNormalLogDensity(x, loc, scale, constant);
  }
  const fixedScale = constant.scale;
  const inputs = [x, ...(constant.loc === undefined ? [loc] : []), ...(fixedScale === undefined ? [scale] : [])];
  const divByScale = (t: tf.Tensor, s: tf.Tensor | undefined): tf.Tensor => (fixedScale === 1 ? t : tf.div(t, s ?? fixedScale!));
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const z = divByScale(constant.loc === 0 ? x : tf.sub(x, loc), scale);
    (args[inputs.length] as tf.GradSaveFunc)(fixedScale === undefined ? [z, scale] : [z]);
    const logNormaliser = fixedScale === undefined ? tf.add(tf.log(scale), 0.5 * LOG_2PI) : Math.log(fixedScale) + 0.5 * LOG_2PI;
    return {
      value: tf.sub(tf.mul(tf.square(z), -0.5), logNormaliser),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zs, s] = saved as [tf.Tensor, tf.Tensor | undefined];
        const dyz = tf.mul(dy, zs);
        const dLoc = divByScale(dyz, s);
        const grads = [reducedTo(tf.neg(dLoc), x.shape)];
        if (constant.loc === undefined) grads.push(reducedTo(dLoc, loc.shape));
        // (dy z^2 - dy) / scale: one kernel fewer than forming z^2 - 1 first.
        if (fixedScale === undefined) grads.push(reducedTo(tf.div(tf.sub(tf.mul(dyz, zs), dy), s!), scale.shape));
        return ownGradients(grads, dy);
      },
    };
  });
  return op(...inputs) as tf.Tensor;
}

/**
 * loc + scale * eps: one fused kernel where the backend has it, else one taped op: the noise is saved, not an input, so the gradient computes only
 * d/dloc = dy and d/dscale = dy * eps (reduced to their shapes), not tfjs's Add and Multiply gradients
 * with a gradient for the noise as well.
 */
function reparameterisedDraw(loc: tf.Tensor, scale: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  if (fused(NORMAL_DRAW_KERNEL, rowElements([loc, scale, eps]))) return fusedNormalDraw(loc, scale, eps);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [l, s] = args as [tf.Tensor, tf.Tensor];
    (args[2] as tf.GradSaveFunc)([eps]);
    return {
      value: tf.add(l, tf.mul(s, eps)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => ownGradients([reducedTo(dy, l.shape), reducedTo(tf.mul(dy, saved[0]!), s.shape)], dy),
    };
  });
  return op(loc, scale) as tf.Tensor;
}

/** The normal law N(loc, scale^2). */
export class Normal extends DistributionBase {
  readonly name = 'normal';
  readonly support = real;
  readonly hasRsample = true;
  protected override readonly masksSupport = false;
  protected override readonly logDensityIsFresh = true; // the output of normalLogDensity's op

  constructor(
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    batchShape: readonly number[],
    private readonly constant: ConstantParams = {},
  ) {
    super(batchShape, []);
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return reparameterisedDraw(this.loc, this.scale, rng.normal(this.batchShape));
  }

  protected logDensity(x: tf.Tensor): tf.Tensor {
    return normalLogDensity(x, this.loc, this.scale, this.constant);
  }

  protected meanValue(): tf.Tensor {
    return this.loc;
  }

  protected varianceValue(): tf.Tensor {
    return tf.square(this.scale);
  }

  protected withBatchShape(batchShape: readonly number[]): Normal {
    return new Normal(this.loc, this.scale, batchShape, this.constant);
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
  const constant = { loc: typeof loc === 'number' ? loc : undefined, scale: typeof scale === 'number' ? scale : undefined };
  return new Normal(l, s, broadcastArgs('normal', [['loc', l.shape], ['scale', s.shape]]), constant);
}
