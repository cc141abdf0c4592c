import type * as tf from '@tensorflow/tfjs';
import type { GuideRun } from './plates.js';

/** What each family builds from the traced latent sites: the guide's body and its point estimates. */
export interface FamilyGuide {
  /** Sample every latent site of the model (runs inside the guide program). */
  run(run: GuideRun): void;
  /** Constrained point estimates by site (over each plate's full size); amortised sites are left out. */
  median(): Record<string, tf.Tensor>;
}

/** The param of a site's block: `${prefix}.${key}.${site}`. */
export const paramName = (prefix: string, key: string, site: string): string => `${prefix}.${key}.${site}`;
