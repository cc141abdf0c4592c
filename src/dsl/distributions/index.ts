/**
 * Distributions: `dist.normal(0, 1)`, `dist.bernoulli({ logits })`, ... Every factory takes numbers or
 * tensors and returns a `Distribution` (see distribution.ts for the shape conventions).
 */
export type { Distribution, TensorLike } from './distribution.js';
export { DistributionBase } from './base.js';
export { Independent } from './independent.js';
export { setValidation, validationEnabled } from './validation.js';

export { Normal, normal } from './normal.js';
export { LogNormal, lognormal } from './lognormal.js';
export { Uniform, uniform } from './uniform.js';
export { Exponential, exponential } from './exponential.js';
export { Laplace, laplace } from './laplace.js';
export { StudentT, studentT } from './student-t.js';
export { Cauchy, cauchy } from './cauchy.js';
export { HalfNormal, halfNormal } from './half-normal.js';
export { HalfCauchy, halfCauchy } from './half-cauchy.js';
export { TruncatedNormal, truncatedNormal } from './truncated-normal.js';
export { Transformed, transformed } from './transformed.js';
export { Gamma, gamma } from './gamma.js';
export { Beta, beta } from './beta.js';
export { Dirichlet, dirichlet } from './dirichlet.js';
export { Bernoulli, bernoulli, type ProbsOrLogits } from './bernoulli.js';
export { Categorical, categorical, type CategoricalParams } from './categorical.js';
export { Binomial, binomial } from './binomial.js';
export { Poisson, poisson } from './poisson.js';
export { MultivariateNormal, multivariateNormal, type MvnScale } from './multivariate-normal.js';
export { Delta, delta } from './delta.js';
export { Unit, unit } from './unit.js';
