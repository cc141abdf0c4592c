import type { CstElement, CstNode, IToken } from 'chevrotain';
import type {
  Argument,
  BinaryOp,
  BlockDecl,
  Declaration,
  DistCall,
  Expr,
  Ident,
  IndexPart,
  Position,
  Program,
  Span,
  Statement,
  TypeSpec,
} from './ast.js';

/**
 * The CST-to-AST visitor. Error recovery can leave CST nodes without some children and tokens without
 * positions (tokens inserted by recovery); every accessor here tolerates that, substituting
 * `ErrorExpr`s and the nearest known position, so building never throws on recovered input.
 */

function isToken(e: CstElement): e is IToken {
  return 'image' in e;
}

function childTokens(node: CstNode, key: string): IToken[] {
  return (node.children[key] ?? []).filter(isToken);
}

function childNodes(node: CstNode, key: string): CstNode[] {
  return (node.children[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

const finite = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

export class AstBuilder {
  /** The last well-positioned span seen: where recovered pieces are said to be. */
  #last: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

  program(node: CstNode): Program {
    const declarations = childNodes(node, 'declaration').flatMap((d) => this.#declaration(d));
    return { kind: 'program', declarations, span: this.#nodeSpan(node) };
  }

  #tokenSpan(token: IToken | undefined): Span {
    if (token && !token.isInsertedInRecovery && finite(token.startLine) && finite(token.startColumn) && finite(token.startOffset)) {
      const start: Position = { line: token.startLine, column: token.startColumn, offset: token.startOffset };
      const end: Position = {
        line: finite(token.endLine) ? token.endLine : token.startLine,
        column: finite(token.endColumn) ? token.endColumn : token.startColumn,
        offset: finite(token.endOffset) ? token.endOffset : token.startOffset,
      };
      this.#last = { start, end };
      return this.#last;
    }
    return this.#last;
  }

  #nodeSpan(node: CstNode | undefined): Span {
    const loc = node?.location;
    if (loc && finite(loc.startLine) && finite(loc.startColumn) && finite(loc.endLine) && finite(loc.endColumn) && finite(loc.endOffset)) {
      const span: Span = {
        start: { line: loc.startLine, column: loc.startColumn, offset: loc.startOffset },
        end: { line: loc.endLine, column: loc.endColumn, offset: loc.endOffset },
      };
      this.#last = span;
      return span;
    }
    return this.#last;
  }

  #ident(token: IToken | undefined): Ident {
    const span = this.#tokenSpan(token);
    return { name: token && !token.isInsertedInRecovery ? token.image : '', span };
  }

  #declaration(node: CstNode): Declaration[] {
    const [child] = [
      ...childNodes(node, 'dataDecl'),
      ...childNodes(node, 'paramDecl'),
      ...childNodes(node, 'netDecl'),
      ...childNodes(node, 'constDecl'),
      ...childNodes(node, 'modelBlock'),
      ...childNodes(node, 'guideBlock'),
    ];
    if (!child) return [];
    const span = this.#nodeSpan(child);
    switch (child.name) {
      case 'dataDecl': {
        const [name, element] = childTokens(child, 'Identifier');
        return [{ kind: 'data', name: this.#ident(name), element: this.#ident(element), shape: this.#shape(childNodes(child, 'shape')[0]), span }];
      }
      case 'paramDecl': {
        const init = childNodes(child, 'expression')[0];
        return [
          {
            kind: 'param',
            name: this.#ident(childTokens(child, 'Identifier')[0]),
            type: this.#typeSpec(childNodes(child, 'typeSpec')[0]),
            init: childTokens(child, 'Equals').length > 0 ? this.#expression(init) : undefined,
            span,
          },
        ];
      }
      case 'netDecl': {
        const [name, builder] = childTokens(child, 'Identifier');
        return [{ kind: 'net', name: this.#ident(name), builder: this.#ident(builder), args: this.#arguments(childNodes(child, 'argumentList')[0]), span }];
      }
      case 'constDecl':
        return [{ kind: 'const', name: this.#ident(childTokens(child, 'Identifier')[0]), value: this.#expression(childNodes(child, 'expression')[0]), span }];
      case 'modelBlock':
      case 'guideBlock': {
        const keyword = this.#tokenSpan(childTokens(child, child.name === 'modelBlock' ? 'Model' : 'Guide')[0]);
        const block: BlockDecl = {
          kind: child.name === 'modelBlock' ? 'model' : 'guide',
          keyword,
          body: this.#block(childNodes(child, 'block')[0]),
          span,
        };
        return [block];
      }
      default:
        return [];
    }
  }

  #typeSpec(node: CstNode | undefined): TypeSpec {
    return this.#namedCall(node);
  }

  /** `name(args)[shape]`: the form shared by type specs and distribution calls. */
  #namedCall(node: CstNode | undefined): TypeSpec & DistCall {
    const span = this.#nodeSpan(node);
    if (!node) return { name: { name: '', span }, args: [], shape: [], span };
    return {
      name: this.#ident(childTokens(node, 'Identifier')[0]),
      args: this.#arguments(childNodes(node, 'argumentList')[0]),
      shape: this.#shape(childNodes(node, 'shape')[0]),
      span,
    };
  }

  #block(node: CstNode | undefined): Statement[] {
    if (!node) return [];
    return childNodes(node, 'statement').flatMap((s) => this.#statement(s));
  }

  #statement(node: CstNode): Statement[] {
    const binding = childNodes(node, 'binding')[0];
    const plate = childNodes(node, 'plateStatement')[0];
    const factor = childNodes(node, 'factorStatement')[0];
    if (binding) {
      const span = this.#nodeSpan(binding);
      const target = this.#ident(childTokens(binding, 'Identifier')[0]);
      if (childTokens(binding, 'Tilde').length > 0) {
        const enumerate = childTokens(binding, 'Enumerate')[0];
        const dist = this.#distribution(childNodes(binding, 'distribution')[0]);
        return [{ kind: 'sample', target, dist, ...(enumerate ? { enumerate: this.#tokenSpan(enumerate) } : {}), span }];
      }
      if (childTokens(binding, 'Equals').length > 0) {
        return [{ kind: 'assign', target, value: this.#expression(childNodes(binding, 'expression')[0]), span }];
      }
      return [];
    }
    if (plate) {
      const span = this.#nodeSpan(plate);
      const name = this.#ident(childTokens(plate, 'Identifier')[0]);
      const args = this.#arguments(childNodes(plate, 'argumentList')[0]);
      const first = args[0];
      return [
        {
          kind: 'plate',
          name,
          size: first ? first.value : { kind: 'error', span },
          options: args.slice(1),
          body: this.#block(childNodes(plate, 'block')[0]),
          span,
        },
      ];
    }
    if (factor) {
      return [{ kind: 'factor', value: this.#expression(childNodes(factor, 'expression')[0]), span: this.#nodeSpan(factor) }];
    }
    return [];
  }

  #distribution(node: CstNode | undefined): DistCall {
    return this.#namedCall(node);
  }

  #arguments(node: CstNode | undefined): Argument[] {
    if (!node) return [];
    return childNodes(node, 'argument').map((arg) => {
      const span = this.#nodeSpan(arg);
      const named = childTokens(arg, 'Equals').length > 0;
      return { name: named ? this.#ident(childTokens(arg, 'Identifier')[0]) : undefined, value: this.#expression(childNodes(arg, 'expression')[0]), span };
    });
  }

  #shape(node: CstNode | undefined): Expr[] {
    if (!node) return [];
    return childNodes(node, 'expression').map((e) => this.#expression(e));
  }

  #error(node: CstNode | undefined): Expr {
    return { kind: 'error', span: this.#nodeSpan(node) };
  }

  /** Operands joined by left-associative operators; CST keys lose their interleaving, offsets restore it. */
  #chain(node: CstNode, operandKey: string, opKeys: readonly string[], operand: (n: CstNode | undefined) => Expr): Expr {
    const operands = childNodes(node, operandKey);
    const ops = opKeys.flatMap((k) => childTokens(node, k)).sort((a, b) => a.startOffset - b.startOffset);
    let result = operand(operands[0]);
    for (let i = 0; i < ops.length; i++) {
      const right = operand(operands[i + 1]);
      result = { kind: 'binary', op: ops[i]!.image as BinaryOp, left: result, right, span: { start: result.span.start, end: right.span.end } };
    }
    return result;
  }

  #expression(node: CstNode | undefined): Expr {
    if (!node) return this.#error(node);
    return this.#chain(node, 'term', ['Plus', 'Minus'], (t) => this.#term(t));
  }

  #term(node: CstNode | undefined): Expr {
    if (!node) return this.#error(node);
    return this.#chain(node, 'unary', ['Star', 'Slash'], (u) => this.#unary(u));
  }

  #unary(node: CstNode | undefined): Expr {
    if (!node) return this.#error(node);
    const minus = childTokens(node, 'Minus')[0];
    if (minus) {
      const start = this.#tokenSpan(minus);
      const operand = this.#unary(childNodes(node, 'unary')[0]);
      return { kind: 'unary', op: '-', operand, span: { start: start.start, end: operand.span.end } };
    }
    return this.#power(childNodes(node, 'power')[0]);
  }

  #power(node: CstNode | undefined): Expr {
    if (!node) return this.#error(node);
    const base = this.#postfix(childNodes(node, 'postfix')[0]);
    if (childTokens(node, 'Power').length === 0) return base;
    const exponent = this.#unary(childNodes(node, 'unary')[0]);
    return { kind: 'binary', op: '^', left: base, right: exponent, span: { start: base.span.start, end: exponent.span.end } };
  }

  #postfix(node: CstNode | undefined): Expr {
    if (!node) return this.#error(node);
    let result = this.#primary(childNodes(node, 'primary')[0]);
    for (const suffix of childNodes(node, 'indexSuffix')) {
      const parts = childNodes(suffix, 'indexItem').map((item) => this.#indexItem(item));
      const span = this.#nodeSpan(suffix);
      result = { kind: 'index', target: result, parts, span: { start: result.span.start, end: span.end } };
    }
    return result;
  }

  #indexItem(node: CstNode): IndexPart {
    const span = this.#nodeSpan(node);
    const colon = childTokens(node, 'Colon')[0];
    const exprs = childNodes(node, 'expression');
    if (!colon) return { kind: 'at', index: this.#expression(exprs[0]), span };
    const before = exprs.find((e) => (e.location?.startOffset ?? Infinity) < colon.startOffset);
    const after = exprs.find((e) => (e.location?.startOffset ?? -Infinity) > colon.startOffset);
    return { kind: 'slice', start: before ? this.#expression(before) : undefined, end: after ? this.#expression(after) : undefined, span };
  }

  #primary(node: CstNode | undefined): Expr {
    if (!node) return this.#error(node);
    const number = childTokens(node, 'NumberLiteral')[0];
    if (number) {
      const span = this.#tokenSpan(number);
      return { kind: 'number', value: number.isInsertedInRecovery ? NaN : Number.parseFloat(number.image), text: number.image, span };
    }
    const call = childNodes(node, 'callOrName')[0];
    if (call) {
      const span = this.#nodeSpan(call);
      const name = this.#ident(childTokens(call, 'Identifier')[0]);
      if (childTokens(call, 'LParen').length > 0) {
        return { kind: 'call', callee: name, args: this.#arguments(childNodes(call, 'argumentList')[0]), span };
      }
      return { kind: 'name', name: name.name, span: name.span };
    }
    const paren = childNodes(node, 'parenthesised')[0];
    if (paren) return this.#expression(childNodes(paren, 'expression')[0]);
    const array = childNodes(node, 'arrayLiteral')[0];
    if (array) {
      return { kind: 'array', elements: childNodes(array, 'expression').map((e) => this.#expression(e)), span: this.#nodeSpan(array) };
    }
    return this.#error(node);
  }
}
