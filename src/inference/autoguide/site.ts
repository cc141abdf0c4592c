import * as tf from '@tensorflow/tfjs';
import { type Constraint, type Transform, biject } from '../../runtime/constraints.js';
import type { PlateFrame } from '../../runtime/messages.js';

/** What an automatic guide knows about one latent site of the model: plain data, no tensors. */

/** A tensor kept on the host (so it outlives every tidy scope and needs no disposal). */
export interface HostTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export const toHost = (t: tf.Tensor): HostTensor => ({ data: Float32Array.from(t.dataSync()), shape: [...t.shape] });
export const fromHost = (h: HostTensor): tf.Tensor => tf.tensor(h.data, [...h.shape], 'float32');

export type DiscreteLaw =
  | { readonly law: 'bernoulli' }
  /** Values 0..admitted.length-1; values the support excludes get probability 0. */
  | { readonly law: 'categorical'; readonly admitted: readonly boolean[] };

export interface LatentSite {
  readonly name: string;
  /** The batch shape as traced: each plate's subsample size at its dim. */
  readonly batchShape: readonly number[];
  readonly eventShape: readonly number[];
  /** The batch shape of per-datapoint params: each plate's full size at its dim. */
  readonly paramBatch: readonly number[];
  /** The enclosing plates, outermost first. */
  readonly plates: readonly PlateFrame[];
  readonly support: Constraint;
  /** Set for discrete sites (no bijection: score-function guides). */
  readonly discrete: DiscreteLaw | undefined;
  /** Continuous sites: the initial value in the support, shape [...paramBatch, ...eventShape]. */
  readonly init: HostTensor | undefined;
  /** Continuous sites: the shape of one event in unconstrained space (a simplex loses one entry). */
  readonly unconstrainedEvent: readonly number[];
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The bijection of a continuous site's support (checked to exist when the site was traced). */
export function transformOf(site: LatentSite): Transform {
  return biject(site.support, 'autoGuide');
}

/** The batch axis (from the left) a plate occupies in a site's batch shape. */
export const plateAxis = (site: LatentSite, plate: PlateFrame): number => site.batchShape.length + plate.dim;

/** Does the site lie in a plate that subsamples? */
export const isSubsampled = (site: LatentSite): boolean => site.plates.some((p) => p.subsampleSize < p.size);

/** log |det J| of the support's bijection at x, summed down to the site's batch shape. */
export function logAbsDetJacobian(support: Constraint, eventRank: number, x: tf.Tensor): tf.Tensor {
  const ldj = biject(support, 'autoGuide').logAbsDetJacobian(x);
  // The transform sums over its constraint's event dims; the event may span more (after toEvent).
  const extra = Math.max(0, eventRank - support.eventDim);
  return extra > 0 ? tf.sum(ldj, Array.from({ length: extra }, (_, i) => ldj.rank - extra + i)) : ldj;
}

/** The support check reduced to the batch shape (like `logAbsDetJacobian`). */
export function inSupport(support: Constraint, eventRank: number, y: tf.Tensor): tf.Tensor {
  const ok = support.check(y);
  const extra = Math.max(0, eventRank - support.eventDim);
  return extra > 0 ? tf.all(ok, Array.from({ length: extra }, (_, i) => ok.rank - extra + i)) : ok;
}
