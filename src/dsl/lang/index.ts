/**
 * roulette-ppl/lang: the `.ppl` modelling language. `parse` and `check` report problems as positioned
 * diagnostics and never throw; `compile` turns a file into a model and a guide for every estimator.
 *
 * @example
 * import { compile } from 'roulette-ppl/lang';
 * const { model, guide } = compile(readFileSync('model.ppl', 'utf8'));
 */
export { parse, type ParseResult } from './parse.js';
export { check, type CheckOptions, type CheckResult } from './check.js';
export { compile, PplError, type CompileOptions, type CompiledProgram } from './compile.js';
export { formatDiagnostics, type Diagnostic, type DiagnosticCode, type FormatOptions, type Severity } from './diagnostics.js';
export { dataSpec, type DataRecord, type DataSpec, type DataVariable } from './data-spec.js';
export type { DataProgram, LowerOptions } from './lower.js';
export type { LatentInfo, PlateInfo, ProgramInfo, Resolution, SampleInfo } from './program-info.js';
export type * as ast from './ast.js';
export { DISTRIBUTIONS, type DistSpec } from './distributions.js';
export { FUNCTIONS, type FunctionSpec } from './functions.js';
