export { mcmc, type Mcmc, type McmcOptions, type McmcResult, type McmcSite } from './runner.js';
export { hmc, nuts, type Kernel, type KernelOptions, type HmcOptions, type NutsOptions } from './kernel.js';
export { diagnose, essOf, rhatOf, splitChains, rankNormalize, type ScalarDiagnostics } from './diagnostics.js';
export type { ChainRecord } from './chain.js';
export type { McmcSummary, McmcSiteSummary } from './summary.js';
export { coupled, unbiasedMcmc, type CoupledKernel, type CoupledOptions, type UnbiasedOptions, type UnbiasedResult, type UnbiasedSite } from './coupled.js';
