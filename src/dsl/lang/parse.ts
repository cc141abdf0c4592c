import { createTokenInstance, EOF, type IRecognitionException, type IToken } from 'chevrotain';
import type { Declaration, Program, Span } from './ast.js';
import { AstBuilder } from './build-ast.js';
import { diagnostic, endOfText, fileStart, type Diagnostic } from './diagnostics.js';
import { describeToken, pplParser } from './parser.js';
import {
  declarationKeywords,
  Guide,
  Identifier,
  LCurly,
  LParen,
  LSquare,
  MalformedNumber,
  Model,
  NumberLiteral,
  pplLexer,
  RCurly,
  RParen,
  RSquare,
  UnterminatedComment,
} from './tokens.js';

export interface ParseResult {
  /**
   * The syntax tree; present whenever the parser got through the file, possibly with recovered
   * (`ErrorExpr`) parts when there are syntax errors.
   */
  readonly ast: Program | undefined;
  /** Lexing and syntax errors, in source order. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Deeper bracket nesting than any model needs; guards the recursive parser's stack. */
const MAX_NESTING = 200;
/** Past this many syntax errors the rest are usually echoes of the first ones. */
const MAX_SYNTAX_ERRORS = 25;

function tokenSpan(token: IToken): Span {
  return {
    start: { line: token.startLine ?? 1, column: token.startColumn ?? 1, offset: token.startOffset },
    end: { line: token.endLine ?? token.startLine ?? 1, column: token.endColumn ?? token.startColumn ?? 1, offset: token.endOffset ?? token.startOffset },
  };
}

const usable = (t: IToken | undefined): t is IToken =>
  t !== undefined && t.tokenType !== EOF && !t.isInsertedInRecovery && Number.isFinite(t.startLine) && Number.isFinite(t.startColumn);

/** Lexing: unexpected characters, unterminated comments and malformed numbers become diagnostics. */
function lex(text: string, diagnostics: Diagnostic[]): IToken[] {
  const result = pplLexer.tokenize(text);
  for (const e of result.errors) {
    const start = { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset };
    const char = text.slice(e.offset, e.offset + e.length);
    const shown = char.length > 12 ? `${char.slice(0, 12)}...` : char;
    diagnostics.push(
      diagnostic(
        'unexpected-character',
        { start, end: { line: start.line, column: start.column + Math.max(0, Math.min(e.length, shown.length) - 1), offset: e.offset + e.length - 1 } },
        `unexpected character${e.length > 1 ? 's' : ''} ${JSON.stringify(shown)}`,
        'names use letters, digits and _; comments start with # or //; operators are + - * / ^ ~ =',
      ),
    );
  }
  const tokens: IToken[] = [];
  for (const token of contextualKeywords(result.tokens)) {
    if (token.tokenType === UnterminatedComment) {
      const start = tokenSpan(token).start;
      const opening: Span = { start, end: { line: start.line, column: start.column + 1, offset: start.offset + 1 } };
      diagnostics.push(diagnostic('unterminated-comment', opening, "this '/*' comment is never closed", "close it with '*/', or use # for a line comment"));
      continue;
    }
    if (token.tokenType === MalformedNumber) {
      diagnostics.push(diagnostic('malformed-number', tokenSpan(token), `malformed number '${token.image}': the exponent has no digits`, `write e.g. ${token.image.replace(/[+-]$/, '')}${/[+-]$/.test(token.image) ? token.image.slice(-1) : ''}3, or remove the 'e'`));
      tokens.push(createTokenInstance(NumberLiteral, token.image, token.startOffset, token.endOffset ?? token.startOffset, token.startLine ?? 1, token.endLine ?? 1, token.startColumn ?? 1, token.endColumn ?? 1));
      continue;
    }
    tokens.push(token);
  }
  return tokens;
}

/**
 * A declaration word is a keyword only when it starts a declaration: data/param/net/const followed
 * by a name, model/guide followed by '{'. Anywhere else it is a name (`plate data(N)`, `f(data)`).
 * Scanning right to left settles each token's successor first.
 */
function contextualKeywords(tokens: readonly IToken[]): IToken[] {
  const out = [...tokens];
  for (let i = out.length - 1; i >= 0; i--) {
    const t = out[i]!;
    if (!declarationKeywords.includes(t.tokenType)) continue;
    const next = out[i + 1]?.tokenType;
    const block = t.tokenType === Model || t.tokenType === Guide;
    const starts = block ? next === LCurly : next === Identifier;
    if (!starts) {
      out[i] = createTokenInstance(Identifier, t.image, t.startOffset, t.endOffset ?? t.startOffset, t.startLine ?? 1, t.endLine ?? 1, t.startColumn ?? 1, t.endColumn ?? 1);
    }
  }
  return out;
}

/** The recursive-descent parser would overflow the stack on absurd nesting: refuse it up front. */
function tooDeep(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (t.tokenType === LParen || t.tokenType === LSquare || t.tokenType === LCurly) {
      if (++depth > MAX_NESTING) return t;
    } else if (t.tokenType === RParen || t.tokenType === RSquare || t.tokenType === RCurly) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

function after(token: IToken): Span {
  const line = token.endLine ?? token.startLine ?? 1;
  const column = (token.endColumn ?? token.startColumn ?? 1) + 1;
  const offset = (token.endOffset ?? token.startOffset) + 1;
  return { start: { line, column, offset }, end: { line, column, offset } };
}

function errorSpan(error: IRecognitionException, tokens: readonly IToken[], text: string): Span {
  const previous = (error as { previousToken?: IToken }).previousToken;
  if (usable(error.token)) {
    // Something missing at the end of a line ("expected ')'") is reported where it is missing, not
    // at the first token of the next line.
    const missing = error.name === 'MismatchedTokenException' && usable(previous) && (previous.endLine ?? 0) < (error.token.startLine ?? 0);
    return missing ? after(previous) : tokenSpan(error.token);
  }
  // At the end of the file (or on a token recovery inserted): point just after the last real token.
  const last = usable(previous) ? previous : [...tokens].reverse().find(usable);
  if (!last) return text.length > 0 ? endOfText(text) : fileStart;
  return after(last);
}

function hintFor(message: string): string {
  if (message.startsWith("expected ')'")) return "every '(' needs a matching ')'";
  if (message.startsWith("expected ']'")) return "every '[' needs a matching ']'";
  if (message.startsWith("expected '}'")) return "every '{' needs a matching '}'";
  if (message.startsWith("expected '~' or '='")) return "write 'name ~ distribution(...)' to sample or 'name = expression' to define";
  if (message.startsWith('expected a declaration')) return 'statements go inside model { ... } or guide { ... }; declarations start with data, param, net or const';
  if (message.startsWith('expected a statement')) return 'a block holds sampling (z ~ normal(0, 1)), definitions (h = f(x)), plate ... { } and factor(...)';
  if (message.includes("after '~'") || message.includes('in a distribution call')) return "the right of '~' is a distribution call such as normal(0, 1) or bernoulli(logits = h)";
  if (message.startsWith("expected ':'")) return 'declarations give a type after a colon: data x: real[N], param s: positive';
  if (message.startsWith('expected an expression')) return 'an expression is a number, a name, a call f(x), an array [1, 2], or these joined by + - * / ^';
  if (message.startsWith('expected a name')) return 'a name starts with a letter or _ and continues with letters, digits or _';
  return 'check the syntax near here against docs/language.md';
}

/**
 * Parse `.ppl` source. Never throws: problems come back as diagnostics with 1-based positions, and
 * recovery continues after each so one pass reports several.
 *
 * @example
 * const { ast, diagnostics } = parse('data x: real[N]\nmodel { plate data(N) { x ~ normal(0, 1) } }');
 * if (diagnostics.length > 0) console.error(formatDiagnostics(text, diagnostics));
 */
export function parse(text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  try {
    const tokens = lex(text, diagnostics);
    const deep = tooDeep(tokens);
    if (deep) {
      diagnostics.push(diagnostic('too-deep', tokenSpan(deep), `brackets are nested more than ${MAX_NESTING} deep`, 'split the expression into named definitions (h = ...)'));
      return { ast: undefined, diagnostics };
    }
    const ast = parseTokens(tokens, text, diagnostics);
    diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset);
    return { ast, diagnostics };
  } catch (cause) {
    // A bug in the parser must not crash an editor or the CLI: report it at the start of the file.
    diagnostics.push(diagnostic('internal-error', fileStart, `the parser failed: ${String(cause)}`, 'please report this file as a bug'));
    return { ast: undefined, diagnostics };
  }
}

/**
 * Parse declarations; after an error at the top level, skip to the next declaration keyword and go on
 * (chevrotain recovers inside rules, but stops at the first token that cannot start a declaration).
 */
function parseTokens(tokens: readonly IToken[], text: string, diagnostics: Diagnostic[]): Program {
  const parser = pplParser();
  const builder = new AstBuilder();
  const declarations: Declaration[] = [];
  let start = 0;
  let syntaxErrors = 0;
  const seen = new Set<string>();
  while (start <= tokens.length) {
    parser.input = tokens.slice(start);
    const cst = parser.program();
    let resumeAt = tokens.length + 1;
    for (const error of parser.errors) {
      const span = errorSpan(error, tokens, text);
      const key = `${span.start.offset}:${error.message}`;
      if (seen.has(key) || syntaxErrors >= MAX_SYNTAX_ERRORS) continue;
      seen.add(key);
      syntaxErrors++;
      diagnostics.push(diagnostic('syntax-error', span, error.message, hintFor(error.message)));
      if (error.name === 'NotAllInputParsedException') {
        const at = tokens.indexOf(error.token, start);
        if (at >= 0) resumeAt = at + 1;
      }
    }
    declarations.push(...builder.program(cst).declarations);
    if (resumeAt > tokens.length) break;
    // Skip the offending token and everything up to the next declaration keyword.
    let next = resumeAt;
    while (next < tokens.length && !declarationKeywords.includes(tokens[next]!.tokenType)) next++;
    if (next >= tokens.length) break;
    start = next;
  }
  if (syntaxErrors >= MAX_SYNTAX_ERRORS) {
    const last = diagnostics[diagnostics.length - 1];
    if (last) diagnostics.push(diagnostic('syntax-error', last.span, `too many syntax errors; stopped reporting after ${MAX_SYNTAX_ERRORS}`, 'fix the first errors and check again'));
  }
  const first = declarations[0];
  const lastDecl = declarations[declarations.length - 1];
  const span: Span = first && lastDecl ? { start: first.span.start, end: lastDecl.span.end } : fileStart;
  return { kind: 'program', declarations, span };
}

export { describeToken };
