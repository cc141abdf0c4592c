/**
 * The abstract syntax tree of a `.ppl` file: plain, immutable data built from the parser's CST.
 * Every node carries its source span. Nodes that error recovery could not build are `ErrorExpr`s.
 */

/** A 1-based position in the source; `offset` is 0-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** From `start` to `end` inclusive of the last character (end.column is that character's column). */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

export interface Program {
  readonly kind: 'program';
  readonly declarations: readonly Declaration[];
  readonly span: Span;
}

export type Declaration = DataDecl | ParamDecl | NetDecl | ConstDecl | BlockDecl;

/** `data x: real[N, 784]` */
export interface DataDecl {
  readonly kind: 'data';
  readonly name: Ident;
  readonly element: Ident;
  readonly shape: readonly Expr[];
  readonly span: Span;
}

/** `param sigma: positive[D] = 1` */
export interface ParamDecl {
  readonly kind: 'param';
  readonly name: Ident;
  readonly type: TypeSpec;
  readonly init: Expr | undefined;
  readonly span: Span;
}

/** `positive[D]`, `real(lower = 0, upper = 1)[3]` */
export interface TypeSpec {
  readonly name: Ident;
  readonly args: readonly Argument[];
  readonly shape: readonly Expr[];
  readonly span: Span;
}

/** `net decoder = mlp(20, 200, 784, tanh)` */
export interface NetDecl {
  readonly kind: 'net';
  readonly name: Ident;
  readonly builder: Ident;
  readonly args: readonly Argument[];
  readonly span: Span;
}

/** `const K = 3` */
export interface ConstDecl {
  readonly kind: 'const';
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** `model { ... }` or `guide { ... }` */
export interface BlockDecl {
  readonly kind: 'model' | 'guide';
  readonly keyword: Span;
  readonly body: readonly Statement[];
  readonly span: Span;
}

export type Statement = SampleStmt | AssignStmt | PlateStmt | FactorStmt;

/** `z ~ normal(0, 1)[20]`: a latent draw, or an observation when `z` is data. */
export interface SampleStmt {
  readonly kind: 'sample';
  readonly target: Ident;
  readonly dist: DistCall;
  /** `z ~ categorical(p) enumerate`: a model latent summed out exactly (docs/enumeration.md). */
  readonly enumerate?: Span;
  readonly span: Span;
}

export interface DistCall {
  readonly name: Ident;
  readonly args: readonly Argument[];
  /** The `[20]` after the call: independent draws forming extra (leftmost) event dims. */
  readonly shape: readonly Expr[];
  readonly span: Span;
}

/** `h = encoder(x)` */
export interface AssignStmt {
  readonly kind: 'assign';
  readonly target: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** `plate data(N, subsample = 32) { ... }` */
export interface PlateStmt {
  readonly kind: 'plate';
  readonly name: Ident;
  readonly size: Expr;
  readonly options: readonly Argument[];
  readonly body: readonly Statement[];
  readonly span: Span;
}

/** `factor(expr)`: adds expr to the log density. */
export interface FactorStmt {
  readonly kind: 'factor';
  readonly value: Expr;
  readonly span: Span;
}

/** A positional (`name` undefined) or named (`logits = h`) argument. */
export interface Argument {
  readonly name: Ident | undefined;
  readonly value: Expr;
  readonly span: Span;
}

export type Expr = NumberLit | NameRef | CallExpr | BinaryExpr | UnaryExpr | IndexExpr | ArrayExpr | ErrorExpr;

export interface NumberLit {
  readonly kind: 'number';
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

export interface NameRef {
  readonly kind: 'name';
  readonly name: string;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: 'call';
  readonly callee: Ident;
  readonly args: readonly Argument[];
  readonly span: Span;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '^';

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: '-';
  readonly operand: Expr;
  readonly span: Span;
}

/** `h[:20]`, `W[1, 2:]`, `mu[c]`: indices apply to the value's own (item) dims, left to right. */
export interface IndexExpr {
  readonly kind: 'index';
  readonly target: Expr;
  readonly parts: readonly IndexPart[];
  readonly span: Span;
}

export type IndexPart =
  | { readonly kind: 'at'; readonly index: Expr; readonly span: Span }
  | { readonly kind: 'slice'; readonly start: Expr | undefined; readonly end: Expr | undefined; readonly span: Span };

/** `[1, 2, 3]`, `[[1, 0], [0, 1]]` */
export interface ArrayExpr {
  readonly kind: 'array';
  readonly elements: readonly Expr[];
  readonly span: Span;
}

/** What error recovery left where an expression should be. */
export interface ErrorExpr {
  readonly kind: 'error';
  readonly span: Span;
}
