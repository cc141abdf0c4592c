import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, compile, parse, type Diagnostic } from '../../../src/dsl/lang/index.js';
import { Stream } from '../../../src/runtime/rng.js';

/**
 * Mutated programs (tokens deleted, inserted, swapped or duplicated, lines dropped, truncation, random
 * characters) never make parse or check throw, never reach the checker's internal-error fallback,
 * and every problem comes back as a diagnostic with a position inside the text. Programs that
 * survive mutation without errors must compile.
 */

const examples = ['linear-gaussian', 'bayesian-regression', 'gaussian-mixture', 'vae-mnist'].map((name) =>
  readFileSync(new URL(`../../../examples/${name}/model.ppl`, import.meta.url), 'utf8'),
);
const extra = [
  `const K = 2\ndata y: real[N, M]\nparam s: real(lower = 0.1, upper = 5)[K] = [1, 2]\nmodel { plate i(N) { a ~ normal(0, s[0]); plate j(M) { y ~ normal(a, s[1]) } } }\nguide { plate i(N) { a ~ normal(0, 1) } }`,
  `data c: int[N]\ndata x: real[N, 3]\nnet f = dense(3, 4, relu)\nmodel { w ~ dirichlet(ones(4)); plate data(N, subsample = 2) { c ~ categorical(w); factor(-sum(square(f(x)))) } }\nguide { w ~ dirichlet(exp(zeros(4))) }`,
  `data x: real[N, 2]\nmodel { L ~ normal(0, 1)[2]; plate data(N) { x ~ multivariateNormal(L, scaleDiag = softplus(L) + 0.1) } }\nguide { L ~ normal([0, 1], 1) }`,
];
const corpus = [...examples, ...extra];

const VOCABULARY = [
  'data', 'param', 'net', 'const', 'model', 'guide', 'plate', 'factor', 'subsample', 'normal', 'bernoulli', 'mlp', 'x', 'z', 'N',
  '~', '=', ':', ',', ';', '(', ')', '[', ']', '{', '}', '+', '-', '*', '/', '^', '**', '0', '1', '20', '1e-4', '.5', '1e', '#', '//', '/*', '\n',
];

const tokensOf = (text: string): string[] => text.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+\.?\d*(?:e[+-]?\d+)?|\*\*|\S/g) ?? [];

function randomChars(s: Stream): string {
  const n = 1 + s.int(4);
  let out = '';
  for (let i = 0; i < n; i++) {
    const kind = s.int(4);
    const code = kind === 0 ? s.int(32) : kind === 1 ? 33 + s.int(94) : kind === 2 ? 0x80 + s.int(0x700) : 0xd800 + s.int(0x800); // control, ASCII, non-ASCII, lone surrogates
    out += String.fromCharCode(code);
  }
  return out;
}

function mutate(text: string, s: Stream): string {
  const tokens = tokensOf(text);
  const at = s.int(Math.max(1, tokens.length));
  switch (s.int(8)) {
    case 0:
      tokens.splice(at, 1);
      return tokens.join('');
    case 1:
      tokens.splice(at, 0, VOCABULARY[s.int(VOCABULARY.length)]!, s.int(2) ? ' ' : '');
      return tokens.join('');
    case 2:
      if (at + 1 < tokens.length) [tokens[at], tokens[at + 1]] = [tokens[at + 1]!, tokens[at]!];
      return tokens.join('');
    case 3:
      tokens.splice(at, 0, tokens[at] ?? '');
      return tokens.join('');
    case 4:
      return text.slice(0, s.int(text.length + 1));
    case 5: {
      const i = s.int(text.length + 1);
      return text.slice(0, i) + randomChars(s) + text.slice(i);
    }
    case 6: {
      const lines = text.split('\n');
      lines.splice(s.int(lines.length), 1);
      return lines.join('\n');
    }
    default: {
      const lines = text.split('\n');
      const i = s.int(lines.length);
      lines.splice(i, 0, lines[s.int(lines.length)]!);
      return lines.join('\n');
    }
  }
}

function expectPositioned(text: string, d: Diagnostic): void {
  const lines = text.split('\n');
  const { start, end } = d.span;
  const where = `${d.code} at ${start.line}:${start.column} in:\n${text}`;
  expect(Number.isInteger(start.line) && start.line >= 1 && start.line <= lines.length + 1, where).toBe(true);
  expect(Number.isInteger(start.column) && start.column >= 1 && start.column <= (lines[start.line - 1]?.length ?? 0) + 2, where).toBe(true);
  expect(end.line > start.line || (end.line === start.line && end.column >= start.column), where).toBe(true);
  expect(d.message.length > 0 && d.hint.length > 0, where).toBe(true);
  expect(d.code, where).not.toBe('internal-error');
}

describe('fuzzing parse and check', () => {
  it('2,400 mutated programs: no exception, every problem a positioned diagnostic', () => {
    const s = Stream.fromSeed('ppl-fuzz');
    let withErrors = 0;
    let compiled = 0;
    const runs = 2400;
    for (let i = 0; i < runs; i++) {
      let text = corpus[s.int(corpus.length)]!;
      const rounds = 1 + s.int(3);
      for (let r = 0; r < rounds; r++) text = mutate(text, s);
      const parsed = parse(text);
      for (const d of parsed.diagnostics) expectPositioned(text, d);
      const checked = check(text);
      for (const d of checked.diagnostics) expectPositioned(text, d);
      if (checked.diagnostics.some((d) => d.severity === 'error')) {
        withErrors++;
      } else {
        compile(text);
        compiled++;
      }
    }
    // The mutations must actually exercise both paths.
    expect(withErrors).toBeGreaterThan(runs / 2);
    expect(compiled).toBeGreaterThan(20);
  });
});
