import { RouletteError } from '../../runtime/errors.js';
import { check } from './check.js';
import { dataSpec, type DataSpec } from './data-spec.js';
import { formatDiagnostics, hasErrors, type Diagnostic } from './diagnostics.js';
import { lower, type DataProgram, type LowerOptions } from './lower.js';
import type { ProgramInfo } from './program-info.js';

export interface CompileOptions extends LowerOptions {
  /**
   * Builds a guide from the model when the file has no `guide { }` block (the hook for automatic
   * guides). Without it, a missing guide is an error.
   */
  readonly autoGuide?: (model: DataProgram) => DataProgram;
  /** The file name used in error messages. */
  readonly file?: string;
  /** Accept declared data the program never uses (default false: an error; see CheckOptions). */
  readonly allowUnusedData?: boolean;
}

export interface CompiledProgram {
  /** The model: call with a record of data tensors by declared name. */
  readonly model: DataProgram;
  /** The guide (from the file, or from `autoGuide`). */
  readonly guide: DataProgram;
  /** The declared data: names, element types, shapes; binds sizes and validates values. */
  readonly dataSpec: DataSpec;
  /** What the checker learnt: plates (and their dims), latents per block, resolutions. */
  readonly info: ProgramInfo;
  /** Warnings (compiling succeeded, so there are no errors). */
  readonly warnings: readonly Diagnostic[];
}

/** A `.ppl` file that does not compile: the diagnostics, formatted into the message. */
export class PplError extends RouletteError {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    text: string,
    file?: string,
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super('program-error', `${file ?? 'the program'} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${formatDiagnostics(text, errors, file ? { file } : {})}`, file);
    this.name = 'PplError';
  }
}

/**
 * Compile `.ppl` source to a model and a guide that run under every roulette estimator. Throws a
 * `PplError` (with `diagnostics`) when the file has errors.
 *
 * @example
 * const { model, guide, dataSpec } = compile(text);
 * const fit = svi(model, guide, { estimator: elbo(), seed: 1 });
 * fit.step({ x: images });
 */
export function compile(text: string, options: CompileOptions = {}): CompiledProgram {
  const checked = check(text, { guideOptional: options.autoGuide !== undefined, allowUnusedData: options.allowUnusedData ?? false });
  if (!checked.ast || !checked.info || hasErrors(checked.diagnostics)) throw new PplError(checked.diagnostics, text, options.file);
  const info = checked.info;
  const spec = dataSpec(info.data.map((d) => ({ name: d.name, element: d.elem, shape: d.dims })));
  const lowered = lower(checked.ast, info, spec, options);
  const guide = lowered.guide ?? options.autoGuide!(lowered.model);
  return { model: lowered.model, guide, dataSpec: spec, info, warnings: checked.diagnostics };
}
