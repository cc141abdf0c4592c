import type { BlockDecl, Declaration, Program } from './ast.js';
import { fail, kindOf } from '../../runtime/errors.js';
import { diagnostic, fileStart, hasErrors, type Diagnostic } from './diagnostics.js';
import { parse } from './parse.js';
import type { ProgramInfo } from './program-info.js';
import { checkBlock, collectBindings } from './check/blocks.js';
import { checkDeclaration, collectSizes } from './check/declarations.js';
import { CheckState } from './check/state.js';
import { checkWholeFile, programInfo } from './check/whole-file.js';

export interface CheckOptions {
  /** Accept a file without a `guide { }` block (an automatic guide will be supplied). Default false. */
  readonly guideOptional?: boolean;
  /**
   * Accept declared data the program never uses (default false: an error, since a misspelt
   * observation, `yy ~ ...` for data `y`, would otherwise fit the prior without a word).
   */
  readonly allowUnusedData?: boolean;
}

export interface CheckResult {
  /** The syntax tree, when the file parsed. */
  readonly ast: Program | undefined;
  /** Every problem found (lexing, parsing, then checking), in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** What the lowering needs; present when there are no errors. */
  readonly info: ProgramInfo | undefined;
}

const isBlock = (decl: Declaration): decl is BlockDecl => decl.kind === 'model' || decl.kind === 'guide';

/**
 * The checker: names (defined once, before use, in scope), types and shapes (statically known dims),
 * distributions and their arguments, model/guide agreement (same latents, shapes, plates, supports),
 * observations (only of data, in plates that match the data), and plate consistency. Its parts, in
 * the order they run: `check/declarations.ts` (data, const, param, net), `check/blocks.ts` (the
 * statements of the model and the guide, with names resolved by `check/names.ts`), and
 * `check/whole-file.ts`; they share what is known so far through `check/state.ts`.
 */
function runChecker(program: Program, options: CheckOptions): { diagnostics: Diagnostic[]; info: ProgramInfo | undefined } {
  const state = new CheckState();
  collectSizes(state, program);
  for (const decl of program.declarations) {
    if (!isBlock(decl)) {
      checkDeclaration(state, decl);
    } else if (state.blocks[decl.kind]) {
      state.report('duplicate-block', decl.keyword, `a second ${decl.kind} block`, `merge the statements into the ${decl.kind} block at line ${state.blocks[decl.kind]!.span.start.line}`);
    } else {
      state.blocks[decl.kind] = decl;
    }
  }
  for (const role of ['guide', 'model'] as const) {
    const block = state.blocks[role];
    if (block) collectBindings(state, role, block.body, undefined);
  }
  for (const role of ['model', 'guide'] as const) {
    const block = state.blocks[role];
    if (block) checkBlock(state, role, block);
  }
  checkWholeFile(state, { guideOptional: options.guideOptional ?? false, allowUnusedData: options.allowUnusedData ?? false });
  const info = hasErrors(state.diagnostics) ? undefined : programInfo(state);
  return { diagnostics: state.diagnostics, info };
}

/**
 * Parse and check a `.ppl` program. Never throws; `info` (what `compile` needs) is present when there
 * are no errors. Semantic checks run only on files without syntax errors (a half-parsed file would
 * mostly produce echoes of the syntax errors).
 *
 * @example
 * const { diagnostics } = check(text);
 * for (const d of diagnostics) console.log(d.span.start.line, d.code, d.message);
 */
export function check(text: string, options: CheckOptions = {}): CheckResult {
  if (typeof text !== 'string') fail('invalid-argument', `check/compile: the program text must be a string (the contents of a .ppl file), got ${kindOf(text)}`);
  const parsed = parse(text);
  if (!parsed.ast || hasErrors(parsed.diagnostics)) return { ast: parsed.ast, diagnostics: parsed.diagnostics, info: undefined };
  try {
    const checked = runChecker(parsed.ast, options);
    const diagnostics = [...parsed.diagnostics, ...checked.diagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset);
    return { ast: parsed.ast, diagnostics, info: checked.info };
  } catch (cause) {
    const d = diagnostic('internal-error', fileStart, `the checker failed: ${String(cause)}`, 'please report this file as a bug');
    return { ast: parsed.ast, diagnostics: [...parsed.diagnostics, d], info: undefined };
  }
}
