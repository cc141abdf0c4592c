/**
 * The gallery's .ppl file for each data set, embedded in the bundle at build time (Vite's `?raw`), so
 * the editor starts from the exact model the gallery and the CLI run.
 */
import bayesianRegression from '../../../examples/bayesian-regression/model.ppl?raw';
import gaussianMixture from '../../../examples/gaussian-mixture/model.ppl?raw';
import linearGaussian from '../../../examples/linear-gaussian/model.ppl?raw';
import type { DatasetName } from './datasets.js';

export const MODELS: Readonly<Record<DatasetName, string>> = {
  'linear-gaussian': linearGaussian,
  'bayesian-regression': bayesianRegression,
  'gaussian-mixture': gaussianMixture,
};
