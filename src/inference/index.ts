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
