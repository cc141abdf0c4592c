import * as tf from '@tensorflow/tfjs';
import { param, sample } from '../../dsl/primitives.js';
import { getParamStore } from '../../runtime/param-store.js';
import type { Amortizer } from './amortize.js';
import { paramName, type FamilyGuide } from './family.js';
import type { Head } from './head.js';
import type { LatentSite } from './site.js';

export interface GuidedSite {
  readonly site: LatentSite;
  readonly head: Head;
}

/**
 * A guide with an independent law per site (the `delta` and `normal` families, and discrete sites):
 * each site is sampled inside its plates from its head's law. Blocks come from per-datapoint params
 * gathered to the subsample, or from the plate's encoder when amortised.
 */
export function meanFieldGuide(prefix: string, sites: readonly GuidedSite[], amortizer: Amortizer | undefined): FamilyGuide {
  const amortised = (site: LatentSite): boolean =>
    amortizer !== undefined && site.plates.some((p) => p.name === amortizer.plate.name);
  return {
    run(run) {
      for (const { site, head } of sites) {
        run.within(site.plates, () => {
          const values: Record<string, tf.Tensor> = {};
          for (const block of head.blocks) {
            values[block.key] = amortised(site)
              ? amortizer!.value(run, site, block)
              : run.gather(site, param(paramName(prefix, block.key, site.name), block.init, { constraint: block.constraint }));
          }
          sample(site.name, head.law(values));
        });
      }
    },
    median() {
      const store = getParamStore();
      return tf.tidy(() => {
        const out: Record<string, tf.Tensor> = {};
        for (const { site, head } of sites) {
          if (amortised(site)) continue;
          const values: Record<string, tf.Tensor> = {};
          for (const block of head.blocks) values[block.key] = store.value(paramName(prefix, block.key, site.name), undefined, block.constraint);
          out[site.name] = head.point(values);
        }
        return out;
      });
    },
  };
}
