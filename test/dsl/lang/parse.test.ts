import { describe, expect, it } from 'vitest';
import type { Expr, Program, SampleStmt } from '../../../src/dsl/lang/ast.js';
import { parse } from '../../../src/dsl/lang/index.js';

/** The grammar: precedence, indexing, arguments, comments, contextual keywords, positions. */

function program(text: string): Program {
  const { ast, diagnostics } = parse(text);
  expect(diagnostics).toEqual([]);
  return ast!;
}

/** An expression written back with explicit parentheses. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'name':
      return e.name;
    case 'unary':
      return `(-${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call':
      return `${e.callee.name}(${e.args.map((a) => `${a.name ? `${a.name.name}=` : ''}${show(a.value)}`).join(', ')})`;
    case 'index':
      return `${show(e.target)}[${e.parts.map((p) => (p.kind === 'at' ? show(p.index) : `${p.start ? show(p.start) : ''}:${p.end ? show(p.end) : ''}`)).join(', ')}]`;
    case 'array':
      return `[${e.elements.map(show).join(', ')}]`;
    case 'error':
      return '<error>';
  }
}

const expr = (text: string): string => {
  const decl = program(`const c = ${text}`).declarations[0]!;
  return decl.kind === 'const' ? show(decl.value) : '';
};

describe('expressions', () => {
  it('precedence: unary minus below power, products above sums, power right-associative', () => {
    expect(expr('1 + 2 * 3 - 4 / 5')).toBe('((1 + (2 * 3)) - (4 / 5))');
    expect(expr('-x ^ 2')).toBe('(-(x ^ 2))');
    expect(expr('a ** b ^ c')).toBe('(a ^ (b ^ c))');
    expect(expr('2 ^ -1')).toBe('(2 ^ (-1))');
    expect(expr('(a + b) * c')).toBe('((a + b) * c)');
  });

  it('calls with named arguments, indexing and slicing, arrays, number forms', () => {
    expect(expr('softplus(h[20:]) + 1e-4')).toBe('(softplus(h[20:]) + 1e-4)');
    expect(expr('f(x, axis = -1)[0, 1:2, :, :3]')).toBe('f(x, axis=(-1))[0, 1:2, :, :3]');
    expect(expr('[[1, .5], [2.5e3, 3]]')).toBe('[[1, .5], [2.5e3, 3]]');
    expect(expr('m[c][0]')).toBe('m[c][0]');
  });
});

describe('declarations and statements', () => {
  it('the VAE of DESIGN.md, with comments of both kinds and optional semicolons', () => {
    const ast = program(`
      # data
      data x: real[N, 784]   // binarised digits
      /* nets */
      net decoder = mlp(20, 200, 200, 784, tanh)
      model { plate data(N) { z ~ normal(0, 1)[20]; x ~ bernoulli(logits = decoder(z)) } }
      guide { plate data(N, subsample = 64) { h = encoder(x)
        z ~ normal(h[:20], softplus(h[20:])) } }`);
    expect(ast.declarations.map((d) => d.kind)).toEqual(['data', 'net', 'model', 'guide']);
    const guide = ast.declarations[3]!;
    if (guide.kind !== 'guide') throw new Error('guide expected');
    const plate = guide.body[0]!;
    if (plate.kind !== 'plate') throw new Error('plate expected');
    expect(plate.name.name).toBe('data');
    expect(show(plate.size)).toBe('N');
    expect(plate.options.map((o) => `${o.name?.name}=${show(o.value)}`)).toEqual(['subsample=64']);
    expect(plate.body.map((s) => s.kind)).toEqual(['assign', 'sample']);
    const z = plate.body[1] as SampleStmt;
    expect(z.dist.name.name).toBe('normal');
    expect(z.target.span.start).toEqual({ line: 8, column: 9, offset: expect.any(Number) as number });
  });

  it('declaration words are names where they do not start a declaration', () => {
    const ast = program('data data: real[model]\nparam guide: positive[model] = 1\nmodel { model = data * guide; factor(model) }\nguide { }');
    expect(ast.declarations.map((d) => d.kind)).toEqual(['data', 'param', 'model', 'guide']);
  });

  it('param types with bounds and shapes, consts, dense nets', () => {
    const ast = program('const K = 3\nparam s: real(lower = 0, upper = 1)[K, 2] = 0.5\nnet f = dense(2, 1, relu)');
    const p = ast.declarations[1]!;
    if (p.kind !== 'param') throw new Error('param expected');
    expect(p.type.name.name).toBe('real');
    expect(p.type.args.map((a) => a.name?.name)).toEqual(['lower', 'upper']);
    expect(p.type.shape.map(show)).toEqual(['K', '2']);
    expect(p.init && show(p.init)).toBe('0.5');
  });
});

describe('recovery', () => {
  it('never throws, and returns what it could parse', () => {
    for (const text of ['', '}', 'model {', 'model { z ~ }', '(((', 'data', '\u0000\uFFFF', 'guide { h = [1, 2 }']) {
      const r = parse(text);
      expect(Array.isArray(r.diagnostics)).toBe(true);
    }
    const r = parse('data x: real[N]\nmodel { z ~ normal(0, 1 }\nguide { z ~ normal(0, 1) }');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['syntax-error']);
    expect(r.ast!.declarations.map((d) => d.kind)).toEqual(['data', 'model', 'guide']);
  });
});
