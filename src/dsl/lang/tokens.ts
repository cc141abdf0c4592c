import { createToken, Lexer, type TokenType } from 'chevrotain';

/**
 * The tokens of the `.ppl` language. Newlines are plain whitespace: statements need no separator
 * (an optional `;` is allowed), because no statement can start with a token that could continue the
 * previous one.
 */

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

/**
 * `plate`, `factor` and `enumerate` are reserved words. The declaration words (data, param, net, const, model,
 * guide) are keywords only where they start a declaration: `parse` turns them into plain names
 * elsewhere (see `contextualKeywords`), so `plate data(N)` and a variable called `model` are fine.
 */
function keyword(word: string): TokenType {
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
}

export const Data = keyword('data');
export const Param = keyword('param');
export const Net = keyword('net');
export const Const = keyword('const');
export const Model = keyword('model');
export const Guide = keyword('guide');
export const Plate = keyword('plate');
export const Factor = keyword('factor');
/** `z ~ categorical(p) enumerate`: sum the latent out instead of sampling it. */
export const Enumerate = keyword('enumerate');

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /(?:#|\/\/)[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
/** Reported as a diagnostic by `parse` and dropped; matching it keeps the rest of the file from lexing as junk. */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/ });

/** `1e`, `2.5E+`: an exponent without digits; reported, then read as the number before the `e`. */
export const MalformedNumber = createToken({ name: 'MalformedNumber', pattern: /(?:\d+\.?\d*|\.\d+)[eE](?![+-]?[0-9])[+-]?/ });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/, label: 'a number' });

export const Tilde = createToken({ name: 'Tilde', pattern: /~/, label: "'~'" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LSquare = createToken({ name: 'LSquare', pattern: /\[/, label: "'['" });
export const RSquare = createToken({ name: 'RSquare', pattern: /]/, label: "']'" });
export const LCurly = createToken({ name: 'LCurly', pattern: /{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /}/, label: "'}'" });
export const Power = createToken({ name: 'Power', pattern: /\^|\*\*/, label: "'^'" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: "'/'" });

/** Lexing order matters: comments before '/', keywords before names, malformed numbers before numbers. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  Data,
  Param,
  Net,
  Const,
  Model,
  Guide,
  Plate,
  Factor,
  Enumerate,
  Identifier,
  MalformedNumber,
  NumberLiteral,
  Tilde,
  Equals,
  Colon,
  Comma,
  Semicolon,
  LParen,
  RParen,
  LSquare,
  RSquare,
  LCurly,
  RCurly,
  Power,
  Plus,
  Minus,
  Star,
  Slash,
];

/** The words that start a top-level declaration (where `parse` resynchronises after an error). */
export const declarationKeywords: readonly TokenType[] = [Data, Param, Net, Const, Model, Guide];

// Only '\n' ends a line (a lone '\r' is whitespace), so positions agree with editors and formatDiagnostics.
export const pplLexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false, lineTerminatorsPattern: /\n/g, lineTerminatorCharacters: ['\n'] });
