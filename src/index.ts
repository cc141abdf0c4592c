/**
 * roulette: probabilistic programming on tfjs.
 *
 * Write models and guides with `sample` / `observe` / `param` / `plate`; run them under effect
 * handlers (`trace`, `replay`, `condition`, `seed`, `particles`, ...); fit them with the estimators in
 * `roulette-ppl/inference`.
 */
export * from './dsl/index.js';
export * from './runtime/index.js';
