import * as tf from '@tensorflow/tfjs';
import { DistributionBase } from '../../dsl/distributions/base.js';
import { reinterpretConstraint } from '../../dsl/distributions/independent.js';
import { LOG_2PI } from '../../dsl/math/special.js';
import { real } from '../../runtime/constraints.js';
import type { RandomSource } from '../../runtime/rng.js';
import { applyMatrix, selection } from './gather.js';

/**
 * An affine coupling layer (RealNVP; seed 004, "coupling layer"): the `keep` coordinates pass
 * unchanged and condition a shift mu and log-scale s of the `change` coordinates,
 *   y_keep = x_keep,   y_change = x_change * exp(s(x_keep)) + mu(x_keep),
 * so the inverse is one pass too and log |det dy/dx| = sum s(x_keep).
 */
export interface CouplingLayer {
  readonly keep: readonly number[];
  readonly change: readonly number[];
  /** [..., keep.length] -> [..., 2 * change.length]: the shifts, then the raw log-scales. */
  readonly net: (xKeep: tf.Tensor) => tf.Tensor;
}

/** Log-scales are soft-clamped to (-CLAMP, CLAMP) per layer: a large step cannot blow the flow up. */
const CLAMP = 3;

function pieces(x: tf.Tensor, layer: CouplingLayer): [tf.Tensor, tf.Tensor] {
  const d = layer.keep.length + layer.change.length;
  return [applyMatrix(x, selection(d, layer.keep)), applyMatrix(x, selection(d, layer.change))];
}

function shiftAndLogScale(layer: CouplingLayer, xKeep: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const h = layer.net(xKeep);
  const c = layer.change.length;
  const lead = h.shape.slice(0, -1);
  const begin = lead.map(() => 0);
  const shift = tf.slice(h, [...begin, 0], [...lead, c]);
  const raw = tf.slice(h, [...begin, c], [...lead, c]);
  return [shift, tf.mul(CLAMP, tf.tanh(tf.div(raw, CLAMP)))];
}

function assemble(keep: tf.Tensor, change: tf.Tensor, layer: CouplingLayer): tf.Tensor {
  const d = layer.keep.length + layer.change.length;
  return tf.add(applyMatrix(keep, tf.transpose(selection(d, layer.keep))), applyMatrix(change, tf.transpose(selection(d, layer.change))));
}

/** y = layer(x) and log |det dy/dx| ([...lead]). */
export function couplingForward(layer: CouplingLayer, x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [keep, change] = pieces(x, layer);
  const [shift, logScale] = shiftAndLogScale(layer, keep);
  const y = assemble(keep, tf.add(tf.mul(change, tf.exp(logScale)), shift), layer);
  return [y, tf.sum(logScale, logScale.rank - 1)];
}

/** x = layer^-1(y) and log |det dy/dx| at x. */
export function couplingInverse(layer: CouplingLayer, y: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [keep, change] = pieces(y, layer);
  const [shift, logScale] = shiftAndLogScale(layer, keep);
  const x = assemble(keep, tf.mul(tf.sub(change, shift), tf.exp(tf.neg(logScale))), layer);
  return [x, tf.sum(logScale, logScale.rank - 1)];
}

/**
 * A normalising flow on R^D: eps ~ N(0, I) through affine coupling layers, then u = loc + scale * x:
 *   log q(u) = log N(eps) - sum_layers log |det J_layer| - sum log scale.
 * The layers act on standardised coordinates, so their networks see inputs of unit scale whatever the
 * posterior's scale. With zero-initialised layers it starts as the mean-field normal N(loc, scale^2).
 *
 * @example
 * const layer = { keep: [0], change: [1], net: (x: tf.Tensor) => tf.concat([tf.square(x), tf.zerosLike(x)], -1) };
 * const banana = new CouplingFlow(tf.zeros([2]), tf.ones([2]), [layer]); // u2 = eps2 + eps1^2
 */
export class CouplingFlow extends DistributionBase {
  readonly name = 'couplingFlow';
  readonly support = reinterpretConstraint(real, 1);
  readonly hasRsample = true;
  protected override readonly masksSupport = false;

  constructor(
    readonly loc: tf.Tensor,
    readonly scale: tf.Tensor,
    readonly layers: readonly CouplingLayer[],
    batchShape: readonly number[] = [],
  ) {
    super(batchShape, [loc.shape[loc.rank - 1]!]);
  }

  /** u for standard normal coordinates eps ([..., D]). */
  push(eps: tf.Tensor): tf.Tensor {
    const x = this.layers.reduce((h, layer) => couplingForward(layer, h)[0], eps);
    return tf.add(this.loc, tf.mul(this.scale, x));
  }

  protected draw(rng: RandomSource): tf.Tensor {
    return this.push(rng.normal(this.fullShape));
  }

  protected logDensity(u: tf.Tensor): tf.Tensor {
    let x = tf.div(tf.sub(u, this.loc), this.scale);
    let logDet: tf.Tensor = tf.sum(tf.log(this.scale));
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const [previous, ld] = couplingInverse(this.layers[i]!, x);
      x = previous;
      logDet = tf.add(logDet, ld);
    }
    const base = tf.sum(tf.sub(tf.mul(tf.square(x), -0.5), 0.5 * LOG_2PI), x.rank - 1);
    return tf.sub(base, logDet);
  }

  protected meanValue(): tf.Tensor {
    return this.push(tf.zerosLike(this.loc)); // the image of the base's centre, not the flow's mean
  }

  protected varianceValue(): tf.Tensor {
    return tf.square(this.scale); // of the affine part; the flow's variance has no closed form
  }

  protected withBatchShape(batchShape: readonly number[]): CouplingFlow {
    return new CouplingFlow(this.loc, this.scale, this.layers, batchShape);
  }
}
