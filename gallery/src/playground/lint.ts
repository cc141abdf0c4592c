/**
 * The .ppl linter: the same `check` as `roulette check`, its diagnostics turned into CodeMirror ones.
 * Spans are 1-based line/column with 0-based offsets and an inclusive end; CodeMirror wants [from, to).
 */
import type { Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import { check, type Diagnostic } from '../../../src/dsl/lang/index.js';

/** A file without a guide block is fine here: the page supplies an automatic guide (as the CLI does). */
export function checkProgram(text: string): readonly Diagnostic[] {
  return check(text, { guideOptional: true }).diagnostics;
}

export function toEditorDiagnostic(d: Diagnostic, length: number): EditorDiagnostic {
  const from = Math.min(d.span.start.offset, length);
  // A zero-width range at the end of the text still needs a character to underline.
  const to = Math.min(Math.max(d.span.end.offset + 1, from), length);
  return {
    from,
    to,
    severity: d.severity,
    source: d.code,
    message: d.hint ? `${d.message}\n${d.hint}` : d.message,
  };
}
