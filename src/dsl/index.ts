export { sample, observe, param, factor, deterministic, type ParamOptions, type SampleOptions } from './primitives.js';
export { plate, type PlateOptions } from '../runtime/handlers/plate.js';
export * as dist from './distributions/index.js';
export type { Distribution, TensorLike } from './distributions/distribution.js';
export * as nn from './nn.js';
export { gather } from './math/gather.js';
