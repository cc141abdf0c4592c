/**
 * From the editor's text to a model and a guide, as `roulette fit` does it (src/cli/program-file.ts):
 * the file's guide block, or an automatic guide (`auto:normal` when the file has none).
 */
import { compile, type CompiledProgram } from '../../../src/dsl/lang/index.js';
import type { DataProgram } from '../../../src/dsl/lang/index.js';
import { autoGuide, type AutoGuideFamily } from '../../../src/inference/index.js';
import { PlaygroundError } from './errors.js';

/** 'file': the file's `guide { }` block; otherwise `--guide auto:<family>`. */
export type GuideChoice = 'file' | AutoGuideFamily;

export const GUIDE_CHOICES: readonly { readonly value: GuideChoice; readonly label: string }[] = [
  { value: 'file', label: "the file's guide block (auto:normal if none)" },
  { value: 'normal', label: 'auto:normal (mean-field)' },
  { value: 'delta', label: 'auto:delta (MAP point estimate)' },
  { value: 'multivariateNormal', label: 'auto:multivariateNormal (global latents only)' },
  { value: 'flow', label: 'auto:flow (global latents only)' },
];

/**
 * `batch`: subsample the top-level plates to at most `batch` datapoints per step (`--batch`).
 * Throws a PplError (its message holds the formatted diagnostics) or a PlaygroundError saying what to change.
 */
export function compileProgram(text: string, choice: GuideChoice, batch?: number): CompiledProgram {
  const family: AutoGuideFamily = choice === 'file' ? 'normal' : choice;
  const automatic = (model: DataProgram): DataProgram => autoGuide(model, { family });
  const compiled = compile(text, { file: 'model.ppl', autoGuide: automatic, ...(batch === undefined ? {} : { batch }) });
  if (batch !== undefined && ![...compiled.info.plates.values()].some((p) => p.parent === undefined)) {
    throw new PlaygroundError('batch subsamples the data plate, and the model has no plate: clear the batch field');
  }
  if (family === 'multivariateNormal' || family === 'flow') {
    // A joint family puts one distribution over every latent value: over N datapoints' local latents
    // that is an (N x dim)^2 covariance, more than a page (or the wasm heap) holds.
    const local = compiled.info.latents.model.filter((l) => l.plates.length > 0).map((l) => `${l.name} (in plate ${l.plates.join(', ')})`);
    if (local.length > 0) {
      throw new PlaygroundError(`auto:${family} draws all latents jointly, and this model has local latents: ${local.join(', ')}; use auto:normal or auto:delta, or the file's guide`);
    }
  }
  return choice === 'file' ? compiled : { ...compiled, guide: automatic(compiled.model) };
}
