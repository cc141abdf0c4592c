export { biasVariance, type BiasVarianceResult, type ExactProblem, type MeasuredEstimator, type Moments } from './bias-variance.js';
