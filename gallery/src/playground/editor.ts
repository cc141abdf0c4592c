/**
 * The model editor: CodeMirror 6 (view, state, commands, lint) with undo history, the standard key
 * bindings, and live diagnostics from `check`, underlined at
 * their spans, listed in the gutter, and reported to `onDiagnostics` for the page's summary line.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { linter, lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightSpecialChars, keymap, lineNumbers } from '@codemirror/view';
import type { Diagnostic } from '../../../src/dsl/lang/index.js';
import { pplHighlight } from './highlight.js';
import { checkProgram, toEditorDiagnostic } from './lint.js';

export interface Editor {
  text(): string;
  setText(text: string): void;
  readonly view: EditorView;
}

export function createEditor(parent: HTMLElement, text: string, onDiagnostics: (diagnostics: readonly Diagnostic[], text: string) => void): Editor {
  const pplLinter = linter(
    (view) => {
      const source = view.state.doc.toString();
      const diagnostics = checkProgram(source);
      onDiagnostics(diagnostics, source);
      return diagnostics.map((d) => toEditorDiagnostic(d, source.length));
    },
    { delay: 300 },
  );
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [lineNumbers(), history(), keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]), highlightSpecialChars(), drawSelection(), highlightActiveLine(), EditorView.lineWrapping, EditorState.tabSize.of(2), pplHighlight, lintGutter(), pplLinter],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText: (next) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } }),
  };
}
