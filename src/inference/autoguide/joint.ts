import * as tf from '@tensorflow/tfjs';
import type { Distribution } from '../../dsl/distributions/distribution.js';
import { param, sample } from '../../dsl/primitives.js';
import type { Constraint } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import { getParamStore } from '../../runtime/param-store.js';
import { paramName, type FamilyGuide } from './family.js';
import { JointSlice } from './joint-slice.js';
import { sizeOf, transformOf, type LatentSite } from './site.js';

/**
 * The joint families (`multivariateNormal`, `flow`) model every latent together: one unconstrained
 * vector u of length D (each site's unconstrained values, flattened, in trace order) is drawn at an
 * auxiliary guide site `auto.latent` that carries log q(u) once; each model site then takes its slice,
 * mapped into its support, from a `JointSlice` carrying the log-Jacobian. The auxiliary site lies
 * outside every plate, so log w has one entry per particle (the whole minibatch is one datapoint).
 */
export interface JointLaw {
  /** The law of u (event shape [D]). */
  law(): Distribution;
  /** Its centre in unconstrained space, [D] (the loc, pushed through the flow for `flow`). */
  centre(): tf.Tensor;
}

/** Values per site in u. */
export const sliceSize = (site: LatentSite): number => sizeOf(site.paramBatch) * sizeOf(site.unconstrainedEvent);

/** Each site's `${prefix}.${key}.${site}` param, flattened and concatenated into one [D] vector. */
export function jointParam(
  prefix: string,
  key: string,
  sites: readonly LatentSite[],
  constraint: Constraint,
  init: (site: LatentSite) => tf.Tensor,
  read: (name: string, init: () => tf.Tensor, constraint: Constraint) => tf.Tensor = (name, i, c) => param(name, i, { constraint: c }),
): tf.Tensor {
  const parts = sites.map((site) => tf.reshape(read(paramName(prefix, key, site.name), () => init(site), constraint), [-1]));
  return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
}

/** Reads a param that must already exist (for `median`). */
export const existing = (name: string, _init: () => tf.Tensor, constraint: Constraint): tf.Tensor =>
  getParamStore().value(name, undefined, constraint);

/** Site `site`'s slice of u ([...lead, D]) in unconstrained space, shaped [...lead', ...paramBatch, ...event]. */
function slice(u: tf.Tensor, site: LatentSite, offset: number): tf.Tensor {
  const lead = u.shape.slice(0, -1);
  const b = site.paramBatch.length;
  // Under particles u is [K, 1, .., 1, D] with the particle dim left of every batch dim: drop the 1s the
  // site's own batch dims take the place of.
  const keep = Math.max(0, lead.length - b);
  if (lead.slice(keep).some((d) => d !== 1)) {
    fail('shape-mismatch', `autoGuide: the joint draw of shape [${u.shape.join(', ')}] does not leave room for site '${site.name}'`, site.name);
  }
  const part = tf.slice(u, [...lead.map(() => 0), offset], [...lead, sliceSize(site)]);
  return tf.reshape(part, [...lead.slice(0, keep), ...site.paramBatch, ...site.unconstrainedEvent]);
}

export function jointGuide(auxName: string, sites: readonly LatentSite[], joint: (read?: typeof existing) => JointLaw): FamilyGuide {
  return {
    run(run) {
      if (sites.length === 0) return;
      const u = sample(auxName, joint().law(), { auxiliary: true });
      let offset = 0;
      for (const site of sites) {
        const y = transformOf(site).forward(slice(u, site, offset));
        offset += sliceSize(site);
        run.within(site.plates, () => sample(site.name, new JointSlice(y, site.support, site.eventShape)));
      }
    },
    median() {
      return tf.tidy(() => {
        const out: Record<string, tf.Tensor> = {};
        if (sites.length === 0) return out;
        const centre = joint(existing).centre();
        let offset = 0;
        for (const site of sites) {
          out[site.name] = transformOf(site).forward(slice(centre, site, offset));
          offset += sliceSize(site);
        }
        return out;
      });
    },
  };
}
