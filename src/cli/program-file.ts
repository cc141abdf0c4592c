import { readFile } from 'node:fs/promises';
import { compile, type CompileOptions, type CompiledProgram } from '../dsl/lang/compile.js';
import type { DataProgram } from '../dsl/lang/lower.js';
import { autoGuide, type AutoGuideFamily } from '../inference/autoguide/index.js';
import { CliError } from './usage.js';

/** Read a .ppl file (a one-line error when it cannot be read). */
export async function readProgram(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: ${code === 'ENOENT' ? 'not found' : `cannot be read (${(cause as Error).message})`}`, 'io-error');
  }
}

const FAMILIES: readonly AutoGuideFamily[] = ['normal', 'multivariateNormal', 'delta', 'flow'];

/** `--guide auto:<family>`: the automatic guide family asked for, or undefined for the file's own guide. */
export function autoGuideFamily(spec: string | undefined): AutoGuideFamily | undefined {
  if (spec === undefined) return undefined;
  const family = /^auto:(.+)$/.exec(spec)?.[1];
  if (!family || !(FAMILIES as readonly string[]).includes(family)) {
    throw new CliError(`--guide must be auto:<family> with family one of ${FAMILIES.join(', ')}; got '${spec}'`, 'invalid-argument');
  }
  return family as AutoGuideFamily;
}

/**
 * Read and compile a .ppl file; compile errors (a PplError) carry the formatted diagnostics. A file
 * without a guide block gets `autoGuide(normal)`; `guide: 'auto:<family>'` replaces the file's guide by
 * that automatic guide. `guideLabel` says which guide runs ('file' or 'auto:<family>'), as params files
 * record it.
 */
export async function loadProgram(
  file: string,
  options: Omit<CompileOptions, 'file' | 'autoGuide'> = {},
  guide?: string,
): Promise<{ text: string; compiled: CompiledProgram; guideLabel: string }> {
  const text = await readProgram(file);
  const family = autoGuideFamily(guide);
  let automaticUsed = false;
  const automatic = (model: DataProgram): DataProgram => autoGuide(model, { family: family ?? 'normal' });
  const compiled = compile(text, {
    ...options,
    file,
    autoGuide: (model) => {
      automaticUsed = true; // called only for a file without a guide block
      return automatic(model);
    },
  });
  const guideLabel = family ? `auto:${family}` : automaticUsed ? 'auto:normal' : 'file';
  return { text, compiled: family ? { ...compiled, guide: automatic(compiled.model) } : compiled, guideLabel };
}
