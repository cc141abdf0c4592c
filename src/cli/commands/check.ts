import { check } from '../../dsl/lang/check.js';
import { formatDiagnostics } from '../../dsl/lang/diagnostics.js';
import { readProgram } from '../program-file.js';
import { oneFile, parseCommand } from '../usage.js';

export const CHECK_USAGE = `usage: roulette check FILE [--json] [--allow-unused-data]

Parse and check a .ppl program: syntax, names, shapes, distributions, model/guide agreement.
Prints each problem with its position, the source line and a hint. Exit code 1 if there are errors.

options:
  --json    print {"file", "ok", "errors", "warnings", "diagnostics": [...]} on stdout
  --allow-unused-data  declared data nothing uses is a warning, not an error (as fit/eval/summary's flag)
  --help    show this help`;

/** `roulette check FILE`: diagnostics, exit 1 on errors. */
export async function checkCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' }, 'allow-unused-data': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, CHECK_USAGE);
  if (values['help']) {
    process.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  const file = oneFile(positionals, CHECK_USAGE);
  const text = await readProgram(file);
  // Like fit and eval, which give a file without a guide block an automatic guide (auto:normal).
  const { diagnostics, ast } = check(text, { guideOptional: true, allowUnusedData: values['allow-unused-data'] === true });
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (values['json']) {
    const out = diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      line: d.span.start.line,
      column: d.span.start.column,
      endLine: d.span.end.line,
      endColumn: d.span.end.column,
      hint: d.hint,
    }));
    process.stdout.write(`${JSON.stringify({ file, ok: errors === 0, errors, warnings, diagnostics: out }, null, 2)}\n`);
  } else {
    if (diagnostics.length > 0) process.stderr.write(`${formatDiagnostics(text, diagnostics, { file })}\n`);
    const hasGuide = ast?.declarations.some((d) => d.kind === 'guide') ?? true;
    const automatic = errors === 0 && !hasGuide ? ' (no guide block: fit and eval use --guide auto:normal)' : '';
    const summary = errors === 0 ? `ok${automatic}` : `${errors} error${errors === 1 ? '' : 's'}`;
    process.stdout.write(`${file}: ${summary}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`);
  }
  return errors > 0 ? 1 : 0;
}
