/** Automatic guides: `autoGuide(model, { family })`. */
export { autoGuide, type AutoGuide, type AutoGuideSite } from './auto-guide.js';
export type { AutoGuideFamily, AutoGuideOptions } from './options.js';
export type { Amortize } from './amortize.js';
export type { InitOption, InitStrategy, InitValues } from './init.js';
export type { FlowOptions } from './flow.js';
export { TransformedDistribution } from './transformed.js';
export { LowRankMultivariateNormal } from './low-rank-mvn.js';
export { CouplingFlow, type CouplingLayer } from './coupling.js';
export { zeroOutputMlp } from './mlp.js';
