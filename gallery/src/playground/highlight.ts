/**
 * Light .ppl highlighting with @codemirror/view's MatchDecorator alone (no grammar package): comments,
 * declaration keywords, `~`, and numbers get a class each; page.css colours them.
 */
import { Decoration, MatchDecorator, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from '@codemirror/view';

const TOKENS = /(#.*|\/\/.*)|\b(data|param|net|const|model|guide|plate|factor)\b|(~)|\b(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\b/g;

const marks = {
  comment: Decoration.mark({ class: 'ppl-comment' }),
  keyword: Decoration.mark({ class: 'ppl-keyword' }),
  tilde: Decoration.mark({ class: 'ppl-tilde' }),
  number: Decoration.mark({ class: 'ppl-number' }),
};

const decorator = new MatchDecorator({
  regexp: TOKENS,
  decoration: (m) => (m[1] ? marks.comment : m[2] ? marks.keyword : m[3] ? marks.tilde : marks.number),
});

export const pplHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorator.createDeco(view);
    }
    update(update: ViewUpdate): void {
      this.decorations = decorator.updateDeco(update, this.decorations);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);
