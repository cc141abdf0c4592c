/** roulette-ppl/inference: estimators, gradients, SVI, optimisers and evaluation. */
export type { Estimator, Surrogate, Role } from './estimator.js';
export type { Problem, Program } from './program.js';
export { elbo, type ElboOptions } from './elbo.js';
export { iwae, type IwaeOptions } from './iwae.js';
export { rws, type RwsOptions } from './rws.js';
export { gradients, type GradientOptions, type GradientResult } from './gradients.js';
export { svi, type Svi, type SviOptions, type StepResult, type FitOptions, type FitResult } from './svi.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { loadParamsFor, programParams, type LoadParamsOptions, type LoadedParams } from './program-params.js';
export { adam, amsgrad, rmsprop, sgd, schedules, type Optimizer, type LearningRate } from './optim.js';
export { logLikelihood, type LogLikelihoodOptions, type LogLikelihoodResult } from './log-likelihood.js';
export { Weighted } from './log-weights.js';
export { drawWeighted, runProgram, modelLogProbAt, type RunSpec, type ParticleSpec } from './program.js';
export { logMeanExp, normalisedWeights } from './logmeanexp.js';
export { sumo, type SumoOptions } from './sumo.js';
export { mlss, type MultilevelOptions } from './mlss.js';
export { mlrr } from './mlrr.js';
export { varianceObjective, unbiasedRWS } from './guide-objectives.js';
export { geometricLaw, sumoLaw, type TruncationLaw } from './truncation.js';
export type { DebiasedEstimator, DebiasedEstimate, DebiasedOptions } from './debiased.js';
export { logCumSumExp, logAddExp } from './logmeanexp.js';
export { cisir, leadingAxisDatapoints, type CisirOptions, type CisirKernel } from './cisir.js';
export {
  ESTIMATOR_NAMES,
  ESTIMATOR_REGISTRY,
  estimatorEntry,
  isEstimatorName,
  optionDefault,
  optionHelp,
  type EstimatorName,
  type EstimatorEntry,
  type EstimatorOption,
  type EstimatorValues,
  type EstimatorChoice,
  type EstimatorContext,
  type ScalarSpec,
} from './registry.js';
export type { OptionSpec, OptionSpecs } from './options.js';
export { refineProposal, withOffsets, type RefineOptions, type Offsets, type Refined } from './local-refinement.js';
export type { Simulation } from './estimator.js';
export * from './diagnostics/index.js';
export * from './autoguide/index.js';
export { predictive, type PredictiveOptions } from './predictive.js';
export { importance, type ImportanceOptions, type ImportanceResult, type ImportanceDiagnostics, type SiteSummary } from './importance.js';
export { summary, type SummaryOptions, type SummarySource, type PosteriorSummary } from './summary.js';
export * from './mcmc/index.js';
export { paretoSmooth, fitGeneralizedPareto, khatThreshold, type ParetoSmoothed, type GeneralizedPareto } from './psis.js';
export type { SiteDraws } from './posterior-draws.js';
export type { SiteMoments } from './weighted-moments.js';
