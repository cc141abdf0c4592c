import type { Diagnostic } from '../dsl/lang/diagnostics.js';
import { formatDiagnostics } from '../dsl/lang/diagnostics.js';

/**
 * Warnings a command collects before it runs: the checker's (the program compiled, but something in
 * it is likely a mistake) and the data readers' (entries of a data file the program does not declare).
 * They go to stderr, whatever the output mode, and into `--json` output as `warnings`.
 */
export interface CliWarning {
  readonly code: string;
  readonly message: string;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
}

export function programWarnings(file: string, diagnostics: readonly Diagnostic[]): CliWarning[] {
  return diagnostics
    .filter((d) => d.severity === 'warning')
    .map((d) => ({ code: d.code, message: d.message, file, line: d.span.start.line, column: d.span.start.column, hint: d.hint }));
}

/** Print a program's warnings with their source lines, then the data's (one line each). */
export function printWarnings(source: string, file: string, diagnostics: readonly Diagnostic[], data: readonly CliWarning[], stream: NodeJS.WritableStream = process.stderr): void {
  const program = diagnostics.filter((d) => d.severity === 'warning');
  if (program.length > 0) stream.write(`${formatDiagnostics(source, program, { file })}\n`);
  for (const w of data) stream.write(`${w.file}: warning[${w.code}]: ${w.message}${w.hint ? `\n  hint: ${w.hint}` : ''}\n`);
}
