import { closest } from '../../runtime/names.js';
import type { Span } from './ast.js';

/** What went wrong, by phase: lexing, parsing, then checking. */
export type DiagnosticCode =
  // lexing
  | 'unexpected-character'
  | 'unterminated-comment'
  | 'malformed-number'
  // parsing
  | 'syntax-error'
  | 'too-deep'
  // file structure
  | 'missing-model'
  | 'missing-guide'
  | 'duplicate-block'
  // names
  | 'undefined-name'
  | 'duplicate-name'
  | 'unknown-type'
  | 'unbound-size'
  | 'not-a-value'
  | 'not-callable'
  | 'unused'
  | 'unused-data'
  // calls
  | 'unknown-distribution'
  | 'unknown-function'
  | 'unknown-net'
  | 'unknown-activation'
  | 'argument-count'
  | 'unknown-argument'
  | 'missing-argument'
  | 'duplicate-argument'
  | 'conflicting-arguments'
  | 'positional-after-named'
  // values and shapes
  | 'shape-mismatch'
  | 'index-out-of-range'
  | 'too-many-indices'
  | 'not-integer'
  | 'not-constant'
  | 'invalid-value'
  // sampling and plates
  | 'unguided-latent'
  | 'unmodelled-latent'
  | 'latent-mismatch'
  | 'observe-non-data'
  | 'observe-in-guide'
  | 'duplicate-site'
  | 'plate-size-mismatch'
  | 'plate-mismatch'
  | 'factor-in-guide'
  | 'support-mismatch'
  | 'shared-param'
  | 'enumerate-unsupported'
  | 'enumerated-in-guide'
  // the checker itself failed (a bug): reported, never thrown
  | 'internal-error';

export type Severity = 'error' | 'warning';

/** One problem in a `.ppl` file, with a 1-based span and a suggestion. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  /** What to do about it. */
  readonly hint: string;
}

export function diagnostic(code: DiagnosticCode, span: Span, message: string, hint: string, severity: Severity = 'error'): Diagnostic {
  return { code, severity, message, span, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** A span covering `from` to `to`. */
export function joinSpans(from: Span, to: Span): Span {
  return { start: from.start, end: to.end };
}

/** The span of the first character (for whole-file problems such as a missing block). */
export const fileStart: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

/** The span just after the last character of `text` (where 'unexpected end of file' points). */
export function endOfText(text: string): Span {
  const lines = text.split('\n');
  const line = lines.length;
  const column = lines[line - 1]!.length + 1;
  const position = { line, column, offset: text.length };
  return { start: position, end: position };
}

/** "did you mean 'x'?" or a list of what is available. */
export function suggestion(name: string, candidates: readonly string[], what: string): string {
  const near = closest(name, candidates);
  if (near !== undefined) return `did you mean '${near}'?`;
  if (candidates.length === 0) return `no ${what} is defined here`;
  const shown = candidates.slice(0, 12).map((c) => `'${c}'`).join(', ');
  return `${what}s: ${shown}${candidates.length > 12 ? ', ...' : ''}`;
}

export interface FormatOptions {
  /** The file name shown before each position. */
  readonly file?: string;
}

/**
 * Diagnostics as a compiler prints them: position, severity, code and message, the source line with
 * a caret under the span, and the hint.
 *
 * @example
 * const { diagnostics } = parse(text);
 * console.error(formatDiagnostics(text, diagnostics, { file: 'model.ppl' }));
 * // model.ppl:3:9: error[undefined-name]: 'decodr' is not defined
 * //     3 |   x ~ bernoulli(logits = decodr(z))
 * //       |                          ^^^^^^
 * //   hint: did you mean 'decoder'?
 */
export function formatDiagnostics(text: string, diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  const lines = text.split(/\r?\n/);
  return diagnostics.map((d) => formatOne(lines, d, options.file)).join('\n');
}

function formatOne(lines: readonly string[], d: Diagnostic, file: string | undefined): string {
  const { line, column } = d.span.start;
  const where = `${file ? `${file}:` : ''}${line}:${column}`;
  const out = [`${where}: ${d.severity}[${d.code}]: ${d.message}`];
  const source = lines[line - 1];
  if (source !== undefined) {
    const gutter = String(line).padStart(5);
    const shown = source.replace(/\t/g, ' ');
    const endColumn = d.span.end.line === line ? Math.max(d.span.end.column, column) : Math.max(shown.length, column);
    const width = Math.max(1, Math.min(endColumn, shown.length + 1) - column + 1);
    out.push(`${gutter} | ${shown}`);
    out.push(`${' '.repeat(gutter.length)} | ${' '.repeat(column - 1)}${'^'.repeat(width)}`);
  }
  out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}
