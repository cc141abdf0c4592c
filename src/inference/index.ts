/** roulette/inference: estimators, gradients, SVI, optimisers and evaluation. */
export type { Estimator, Surrogate, Role } from './estimator.js';
export type { Problem, Program } from './program.js';
export { elbo, type ElboOptions } from './elbo.js';
export { iwae, type IwaeOptions } from './iwae.js';
export { gradients, type GradientOptions, type GradientResult } from './gradients.js';
export { svi, type Svi, type SviOptions, type StepResult } from './svi.js';
export { adam, amsgrad, rmsprop, sgd, schedules, type Optimizer, type LearningRate } from './optim.js';
export { logLikelihood, type LogLikelihoodOptions, type LogLikelihoodResult } from './log-likelihood.js';
export { drawWeighted, Weighted } from './log-weights.js';
export { logMeanExp, normalisedWeights } from './logmeanexp.js';
export { sumo, type SumoOptions } from './sumo.js';
export { mlss, type MultilevelOptions } from './mlss.js';
export { mlrr } from './mlrr.js';
export { varianceObjective, unbiasedRWS } from './guide-objectives.js';
export { geometricLaw, sumoLaw, type TruncationLaw } from './truncation.js';
export type { DebiasedEstimator, DebiasedEstimate, DebiasedOptions } from './debiased.js';
export { logCumSumExp, logAddExp } from './logmeanexp.js';
