/**
 * The built-in functions of the language: each with its static rule (item shapes in, item shape out,
 * with positioned errors) and its run-time implementation on item-aware values. Functions act on
 * item dims only (`sum(x)` sums one datapoint's entries, never across particles or plates).
 */
import { CONSTRUCTION } from './functions/construction.js';
import { ELEMENTWISE } from './functions/elementwise.js';
import { LINEAR_ALGEBRA } from './functions/linear-algebra.js';
import { REDUCTIONS } from './functions/reductions.js';
import type { FunctionSpec } from './functions/spec.js';

export { broadcastOrReport, type FunctionSpec, type Reporter, type StaticArg } from './functions/spec.js';

/** Every built-in function by name, in the order the references list them. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map([...ELEMENTWISE, ...REDUCTIONS, ...LINEAR_ALGEBRA, ...CONSTRUCTION].map((f) => [f.name, f]));
