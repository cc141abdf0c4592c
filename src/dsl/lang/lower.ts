// Primitives do nothing without the runtime's default action (sampling, param lookup, subsampling);
// roulette-ppl/lang can be imported without the root module, so it registers it too.
import '../../runtime/default-action.js'; // also imported by primitives; kept for lowering without the root module
import { fail } from '../../runtime/errors.js';
import type { BlockDecl, Program } from './ast.js';
import type { DataRecord, DataSpec } from './data-spec.js';
import { ExprCompiler } from './lower-expr.js';
import type { ProgramInfo } from './program-info.js';
import { compileDeclarations } from './lower/declarations.js';
import { Run } from './lower/run.js';
import { StatementLowering } from './lower/statements.js';

/** A compiled model or guide: a synchronous program of one argument, the data record. */
export type DataProgram = (data: DataRecord) => void;

export interface LowerOptions {
  /**
   * Override plates' subsample sizes: by plate name, a number (at most the plate's size; larger
   * values take the whole plate) or 'full'; or 'none' to subsample no plate (for evaluation).
   */
  readonly subsample?: Readonly<Record<string, number | 'full'>> | 'none';
  /** Subsample the model's top-level plates (the data plates) to at most this many (the CLI's --batch). */
  readonly batch?: number;
}

export interface Lowered {
  readonly model: DataProgram;
  readonly guide: DataProgram | undefined;
}

/**
 * Lower a checked program (its AST and the checker's info) to model and guide programs. The
 * declarations are compiled once (lower/declarations.ts), each block's statements to closures
 * (lower/statements.ts, draws built by lower/draw.ts); every call of a program is one `Run`
 * (lower/run.ts) holding that call's data, sizes and scopes.
 */
export function lower(program: Program, info: ProgramInfo, spec: DataSpec, options: LowerOptions = {}): Lowered {
  const exprs = new ExprCompiler(info);
  const globals = compileDeclarations(program, info, exprs);
  const statements = new StatementLowering(info, options, exprs);
  const blockOf = (kind: 'model' | 'guide') => program.declarations.find((d): d is BlockDecl => d.kind === kind);
  const make = (block: BlockDecl): DataProgram => {
    const body = statements.block(block);
    return (data) => {
      const sizes = spec.bind(data);
      body(new Run(data, sizes, globals));
    };
  };
  const model = blockOf('model');
  const guide = blockOf('guide');
  if (!model) fail('invalid-argument', 'the program has no model block');
  return { model: make(model), guide: guide ? make(guide) : undefined };
}
