/**
 * The example gallery's list: every registered example, each from its own directory's example.ts. The
 * vocabulary (GalleryExample and the rest) is gallery-example.ts, re-exported here for the runner and
 * the tests.
 */
import { example as bayesianRegression } from './bayesian-regression/example.js';
import { example as figureEight } from './figure-eight/example.js';
import type { GalleryExample } from './gallery-example.js';
import { example as gaussianMixture } from './gaussian-mixture/example.js';
import { example as linearGaussian } from './linear-gaussian/example.js';
import { example as flowGuide } from './normalizing-flow-guide/example.js';
import { example as ppca } from './ppca/example.js';
import { example as sigmoidBeliefNet } from './sigmoid-belief-net/example.js';
import { example as vaeFashionMnist } from './vae-fashion-mnist/example.js';
import { example as vaeMnist } from './vae-mnist/example.js';

export * from './gallery-example.js';

/** Every registered example, by name. */
export const registry: ReadonlyMap<string, GalleryExample> = new Map(
  [ppca, sigmoidBeliefNet, figureEight, vaeMnist, vaeFashionMnist, flowGuide, linearGaussian, gaussianMixture, bayesianRegression].map(
    (e) => [e.name, e] as const,
  ),
);
