export { sample, observe, param, factor, deterministic, plate, type ParamOptions, type PlateOptions, type SampleOptions } from './primitives.js';
export * as dist from './distributions/index.js';
export type { Distribution, TensorLike } from './distributions/distribution.js';
export * as nn from './nn.js';
export { gather } from './math/gather.js';
