import { describe, expect, it } from 'vitest';
import { check, formatDiagnostics } from '../../../src/dsl/lang/index.js';

/**
 * Every diagnostic a user can meet, as printed: position, code, message, the source line with a
 * caret, and the hint. One situation per test; the snapshots are the spec of the messages.
 */
const diagnose = (text: string): string => formatDiagnostics(text, check(text).diagnostics, { file: 'm.ppl' });

/** A valid program around `body` lines of the model (with a matching guide). */
const inModel = (body: string, guide = 'z ~ normal(0, 1)'): string =>
  `data x: real[N]\nmodel {\n  z ~ normal(0, 1)\n${body}\n}\nguide {\n  ${guide}\n}`;

describe('lexing', () => {
  it('an unexpected character', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z $ 1, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:32: error[unexpected-character]: unexpected character "$"
          4 |   plate data(N) { x ~ normal(z $ 1, 1) }
            |                                ^
        hint: names use letters, digits and _; comments start with # or //; operators are + - * / ^ ~ =
      m.ppl:4:34: error[syntax-error]: expected ')' but found '1' in a distribution call
          4 |   plate data(N) { x ~ normal(z $ 1, 1) }
            |                                  ^
        hint: every '(' needs a matching ')'"
    `);
  });

  it('an unterminated block comment', () => {
    expect(diagnose('data x: real[N]\n/* the model\nmodel { }')).toMatchInlineSnapshot(`
      "m.ppl:2:1: error[unterminated-comment]: this '/*' comment is never closed
          2 | /* the model
            | ^^
        hint: close it with '*/', or use # for a line comment"
    `);
  });

  it('a number with an empty exponent', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, 1e) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:33: error[malformed-number]: malformed number '1e': the exponent has no digits
          4 |   plate data(N) { x ~ normal(z, 1e) }
            |                                 ^^
        hint: write e.g. 1e3, or remove the 'e'"
    `);
  });
});

describe('parsing', () => {
  it("a missing ')' at the end of a line is reported there, not on the next line", () => {
    expect(diagnose('data x: real[N]\nmodel {\n  z ~ normal(0, 1\n  plate data(N) { x ~ normal(z, 1) }\n}\nguide { z ~ normal(0, 1) }')).toMatchInlineSnapshot(`
      "m.ppl:3:18: error[syntax-error]: expected ')' but found 'plate' in a distribution call
          3 |   z ~ normal(0, 1
            |                  ^
        hint: every '(' needs a matching ')'"
    `);
  });

  it("a missing '}' at the end of the file", () => {
    expect(diagnose('data x: real[N]\nmodel {\n  z ~ normal(0, 1)\nguide { z ~ normal(0, 1) }')).toMatchInlineSnapshot(`
      "m.ppl:3:19: error[syntax-error]: expected '}' but found 'guide' in a block
          3 |   z ~ normal(0, 1)
            |                   ^
        hint: every '{' needs a matching '}'"
    `);
  });

  it('a statement outside any block', () => {
    expect(diagnose('data x: real[N]\nz ~ normal(0, 1)\nmodel { }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:1: error[syntax-error]: expected a declaration (data, param, net, const, model or guide) but found 'z'
          2 | z ~ normal(0, 1)
            | ^
        hint: statements go inside model { ... } or guide { ... }; declarations start with data, param, net or const"
    `);
  });

  it("no distribution after '~'", () => {
    expect(diagnose(inModel('  plate data(N) { x ~ 3 }'))).toMatchInlineSnapshot(`
      "m.ppl:4:23: error[syntax-error]: expected a distribution after '~' (such as normal(0, 1)) but found '3'
          4 |   plate data(N) { x ~ 3 }
            |                       ^
        hint: the right of '~' is a distribution call such as normal(0, 1) or bernoulli(logits = h)"
    `);
  });

  it("a declaration without ':'", () => {
    expect(diagnose('data x real[N]\nmodel { }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:1:8: error[syntax-error]: expected ':' but found 'real' in a data declaration (data x: real[N, D])
          1 | data x real[N]
            |        ^^^^
        hint: declarations give a type after a colon: data x: real[N], param s: positive"
    `);
  });

  it('an operator without its right operand', () => {
    expect(diagnose(inModel('  h = z +\n  plate data(N) { x ~ normal(h, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:5:3: error[syntax-error]: expected an expression but found 'plate'
          5 |   plate data(N) { x ~ normal(h, 1) }
            |   ^^^^^
        hint: an expression is a number, a name, a call f(x), an array [1, 2], or these joined by + - * / ^"
    `);
  });

  it('several syntax errors reported in one pass', () => {
    expect(diagnose('data x: real[N\nmodel { z ~ normal(0, 1 ; h = }\njunk\nguide { z ~ normal(0 1) }')).toMatchInlineSnapshot(`
      "m.ppl:1:15: error[syntax-error]: expected ']' but found 'model' in a shape [..]
          1 | data x: real[N
            |               ^
        hint: every '[' needs a matching ']'
      m.ppl:2:25: error[syntax-error]: expected ')' but found ';' in a distribution call
          2 | model { z ~ normal(0, 1 ; h = }
            |                         ^
        hint: every '(' needs a matching ')'
      m.ppl:2:31: error[syntax-error]: expected an expression but found '}'
          2 | model { z ~ normal(0, 1 ; h = }
            |                               ^
        hint: an expression is a number, a name, a call f(x), an array [1, 2], or these joined by + - * / ^
      m.ppl:3:1: error[syntax-error]: expected a declaration (data, param, net, const, model or guide) but found 'junk'
          3 | junk
            | ^^^^
        hint: statements go inside model { ... } or guide { ... }; declarations start with data, param, net or const
      m.ppl:4:22: error[syntax-error]: expected ')' but found '1' in a distribution call
          4 | guide { z ~ normal(0 1) }
            |                      ^
        hint: every '(' needs a matching ')'"
    `);
  });

  it('absurdly deep nesting is refused before parsing', () => {
    expect(diagnose(`const c = ${'('.repeat(300)}1${')'.repeat(300)}`).split('\n')[0]).toMatchInlineSnapshot(`"m.ppl:1:211: error[too-deep]: brackets are nested more than 200 deep"`);
  });
});

describe('the file as a whole', () => {
  it('no model block', () => {
    expect(diagnose('data x: real[N]\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:1:1: error[missing-model]: the file has no model block
          1 | data x: real[N]
            | ^
        hint: add model { ... } with the generative story: latents z ~ ..., observations x ~ ..."
    `);
  });

  it('no guide block', () => {
    expect(diagnose('data x: real[N]\nmodel { plate data(N) { x ~ normal(0, 1) } }')).toMatchInlineSnapshot(`
      "m.ppl:2:1: error[missing-guide]: the file has no guide block
          2 | model { plate data(N) { x ~ normal(0, 1) } }
            | ^^^^^
        hint: add guide { ... } sampling every latent of the model (automatic guides: compile(text, { autoGuide }))"
    `);
  });

  it('two model blocks', () => {
    expect(diagnose('model { }\nguide { }\nmodel { }')).toMatchInlineSnapshot(`
      "m.ppl:3:1: error[duplicate-block]: a second model block
          3 | model { }
            | ^^^^^
        hint: merge the statements into the model block at line 1"
    `);
  });
});

describe('names', () => {
  it('an undefined name, with the closest defined one', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(zz, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:30: error[undefined-name]: 'zz' is not defined
          4 |   plate data(N) { x ~ normal(zz, 1) }
            |                              ^^
        hint: did you mean 'z'?"
    `);
  });

  it('a name used before its definition', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(h, 1); h = z * 2 }'))).toMatchInlineSnapshot(`
      "m.ppl:4:30: error[undefined-name]: 'h' is not defined
          4 |   plate data(N) { x ~ normal(h, 1); h = z * 2 }
            |                              ^
        hint: 'h' is defined later, at line 4; use it after its definition"
    `);
  });

  it("the guide's definitions are not visible in the model", () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(loc, 1) }', 'loc = 2\n  z ~ normal(loc, 1)'))).toMatchInlineSnapshot(`
      "m.ppl:4:30: error[undefined-name]: 'loc' is not defined
          4 |   plate data(N) { x ~ normal(loc, 1) }
            |                              ^^^
        hint: 'loc' is defined in the guide; the model and the guide share only latent names, not definitions"
    `);
  });

  it("a definition inside a plate is not visible after it", () => {
    expect(diagnose(inModel('  plate data(N) { h = z * 2; x ~ normal(h, 1) }\n  w = h'))).toMatchInlineSnapshot(`
      "m.ppl:5:7: error[undefined-name]: 'h' is not defined
          5 |   w = h
            |       ^
        hint: 'h' is defined inside plate 'data' (line 4) and is only visible there"
    `);
  });

  it('a name declared twice', () => {
    expect(diagnose('data x: real[N]\nparam x: real = 0\nmodel { plate data(N) { x ~ normal(0, 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:7: error[duplicate-name]: 'x' is already defined as data at line 1
          2 | param x: real = 0
            |       ^
        hint: give it another name"
    `);
  });

  it('an unknown element type for data, and a constraint used as one', () => {
    expect(diagnose('data x: float[N]\ndata y: positive[N]\nmodel { }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:1:6: error[unused-data]: data 'x' is never used, so the fit ignores it
          1 | data x: float[N]
            |      ^
        hint: observe it in the model (x ~ ...), use it, or remove the declaration; to fit anyway, allow unused data (roulette --allow-unused-data, compile(text, { allowUnusedData: true }))
      m.ppl:1:9: error[unknown-type]: unknown data type 'float'
          1 | data x: float[N]
            |         ^^^^^
        hint: data types: 'real', 'int', 'bool'
      m.ppl:2:6: error[unused-data]: data 'y' is never used, so the fit ignores it
          2 | data y: positive[N]
            |      ^
        hint: observe it in the model (y ~ ...), use it, or remove the declaration; to fit anyway, allow unused data (roulette --allow-unused-data, compile(text, { allowUnusedData: true }))
      m.ppl:2:9: error[unknown-type]: unknown data type 'positive'
          2 | data y: positive[N]
            |         ^^^^^^^^
        hint: data holds real, int or bool values; constraints such as 'positive' are for params"
    `);
  });

  it('an unknown param type', () => {
    expect(diagnose('param s: postive = 1\nmodel { }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:1:7: warning[unused]: param 's' is never used
          1 | param s: postive = 1
            |       ^
        hint: use it or remove it
      m.ppl:1:10: error[unknown-type]: unknown param type 'postive'
          1 | param s: postive = 1
            |          ^^^^^^^
        hint: did you mean 'positive'?"
    `);
  });

  it('a size that no data declaration binds', () => {
    expect(diagnose('data x: real[N]\nparam w: real[D]\nmodel { plate data(N) { x ~ normal(w[0], 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:15: error[unbound-size]: 'D' is not a known size or constant
          2 | param w: real[D]
            |               ^
        hint: sizes are named in data shapes (data x: real[N, D]) or declared with const (const K = 3)"
    `);
  });

  it('a net used as a value', () => {
    expect(diagnose('data x: real[N, 2]\nnet f = mlp(2, 8, 2)\nmodel { plate data(N) { x ~ normal(f, 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:5: warning[unused]: net 'f' is never used
          2 | net f = mlp(2, 8, 2)
            |     ^
        hint: use it or remove it
      m.ppl:3:36: error[not-a-value]: 'f' is a net, not a value
          3 | model { plate data(N) { x ~ normal(f, 1) } }
            |                                    ^
        hint: call it on an input: f(x)"
    `);
  });

  it('a value called like a function', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z(2), 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:30: error[not-callable]: 'z' is a value, not a function or a net
          4 |   plate data(N) { x ~ normal(z(2), 1) }
            |                              ^
        hint: index it with z[...] or multiply with *"
    `);
  });
});

describe('calls', () => {
  it('an unknown distribution, with the closest one', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ gaussian(z, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:23: error[unknown-distribution]: unknown distribution 'gaussian'
          4 |   plate data(N) { x ~ gaussian(z, 1) }
            |                       ^^^^^^^^
        hint: did you mean 'normal'?"
    `);
  });

  it('too many positional arguments', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, 1, 2) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:36: error[argument-count]: normal takes at most 2 positional arguments (loc, scale), got 3
          4 |   plate data(N) { x ~ normal(z, 1, 2) }
            |                                    ^
        hint: remove the extra arguments"
    `);
  });

  it('an argument name the distribution does not have', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(mean = z, scale = 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:30: error[unknown-argument]: normal has no argument named 'mean'
          4 |   plate data(N) { x ~ normal(mean = z, scale = 1) }
            |                              ^^^^
        hint: arguments: 'loc', 'scale'"
    `);
  });

  it('a missing argument', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:23: error[missing-argument]: normal: argument 'scale' is missing
          4 |   plate data(N) { x ~ normal(z) }
            |                       ^^^^^^^^^
        hint: normal(loc, scale)"
    `);
  });

  it('both of two alternatives (probs and logits)', () => {
    expect(diagnose('data x: bool[N]\nmodel { plate data(N) { x ~ bernoulli(probs = 0.5, logits = 0) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:52: error[conflicting-arguments]: bernoulli: give probs or logits, not probs and logits
          2 | model { plate data(N) { x ~ bernoulli(probs = 0.5, logits = 0) } }
            |                                                    ^^^^^^^^^^
        hint: remove all but one of probs, logits"
    `);
  });

  it('a positional argument after a named one', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(loc = z, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:39: error[positional-after-named]: normal: a positional argument follows a named one
          4 |   plate data(N) { x ~ normal(loc = z, 1) }
            |                                       ^
        hint: put positional arguments first, or name this one too"
    `);
  });

  it('an unknown function that is close to a net', () => {
    expect(diagnose('data x: real[N, 2]\nnet encoder = mlp(2, 8, 2)\nmodel { plate data(N) { x ~ normal(encodr(x), 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:5: warning[unused]: net 'encoder' is never used
          2 | net encoder = mlp(2, 8, 2)
            |     ^^^^^^^
        hint: use it or remove it
      m.ppl:3:36: error[unknown-function]: unknown function or net 'encodr'
          3 | model { plate data(N) { x ~ normal(encodr(x), 1) } }
            |                                    ^^^^^^
        hint: did you mean 'encoder'?"
    `);
  });

  it('a wrong number of function arguments', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(exp(z, 2), 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:37: error[argument-count]: exp takes at most 1 positional argument (x), got 2
          4 |   plate data(N) { x ~ normal(exp(z, 2), 1) }
            |                                     ^
        hint: remove the extra arguments"
    `);
  });

  it('an unknown activation in a net', () => {
    expect(diagnose('net f = mlp(2, 8, 1, activation = tahn)\nmodel { }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:1:5: warning[unused]: net 'f' is never used
          1 | net f = mlp(2, 8, 1, activation = tahn)
            |     ^
        hint: use it or remove it
      m.ppl:1:35: error[unknown-activation]: unknown activation 'tahn'
          1 | net f = mlp(2, 8, 1, activation = tahn)
            |                                   ^^^^
        hint: activations: 'identity', 'tanh', 'relu', 'leakyRelu', 'sigmoid', 'softplus', 'elu'"
    `);
  });

  it('a constant outside its domain', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, -1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:33: error[invalid-value]: normal: 'scale' must be positive, got -1
          4 |   plate data(N) { x ~ normal(z, -1) }
            |                                 ^^
        hint: change the value of scale"
    `);
  });
});

describe('shapes', () => {
  it('operands that do not broadcast', () => {
    expect(diagnose('data x: real[N, 3]\nparam w: real[2]\nmodel { plate data(N) { x ~ normal(x * w, 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:3:36: error[shape-mismatch]: '*': shapes [3] and [2] do not broadcast (3 vs 2 in the last dim from the right)
          3 | model { plate data(N) { x ~ normal(x * w, 1) } }
            |                                    ^^^^^
        hint: dims are matched from the right and must be equal or 1; index or slice one side, or use matmul for products of matrices"
    `);
  });

  it("a net's input size", () => {
    expect(diagnose('data x: real[N, 784]\nnet decoder = mlp(20, 200, 784)\nmodel { plate data(N) { z ~ normal(0, 1)[10]; x ~ bernoulli(logits = decoder(z)) } }\nguide { plate data(N) { z ~ normal(0, 1)[10] } }')).toMatchInlineSnapshot(`
      "m.ppl:3:78: error[shape-mismatch]: net 'decoder' takes inputs of size 20 (last dim), got shape [10]
          3 | model { plate data(N) { z ~ normal(0, 1)[10]; x ~ bernoulli(logits = decoder(z)) } }
            |                                                                              ^
        hint: change the net's first size to 10 or reshape the input"
    `);
  });

  it('an index out of range', () => {
    expect(diagnose('data x: real[N, 3]\nmodel { plate data(N) { v ~ normal(x[3], 1) } }\nguide { plate data(N) { v ~ normal(0, 1) } }')).toMatchInlineSnapshot(`
      "m.ppl:2:38: error[index-out-of-range]: index 3 is out of range for a dim of size 3
          2 | model { plate data(N) { v ~ normal(x[3], 1) } }
            |                                      ^
        hint: valid indices are 0 to 2 (or -3 to -1 from the end)"
    `);
  });

  it('more indices than dims', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z[0], 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:30: error[too-many-indices]: 1 index for a value of shape []
          4 |   plate data(N) { x ~ normal(z[0], 1) }
            |                              ^^^^
        hint: a scalar has no dims to index"
    `);
  });

  it('a real-valued index', () => {
    expect(diagnose('data x: real[N]\nparam m: real[3] = 0\nmodel { u ~ normal(0, 1); plate data(N) { x ~ normal(m[u], 1) } }\nguide { u ~ normal(0, 1) }')).toMatchInlineSnapshot(`
      "m.ppl:3:56: error[not-integer]: an index must be an integer, and this expression holds real numbers
          3 | model { u ~ normal(0, 1); plate data(N) { x ~ normal(m[u], 1) } }
            |                                                        ^
        hint: index with constants, sizes, int data, or categorical/poisson/bernoulli draws"
    `);
  });

  it('a distribution whose draws do not fit the observed data', () => {
    expect(diagnose('data x: real[N, 3]\nmodel { plate data(N) { x ~ normal(0, 1)[4] } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:29: error[shape-mismatch]: normal draws values of shape [4] but 'x' has shape [3] per element of plate 'data'
          2 | model { plate data(N) { x ~ normal(0, 1)[4] } }
            |                             ^^^^^^^^^^^^^^^
        hint: the distribution must broadcast to the data: its dims are matched from the right"
    `);
  });

  it("a multivariate normal's loc and scale", () => {
    expect(diagnose('data x: real[N, 3]\nmodel { plate data(N) { x ~ multivariateNormal(zeros(3), eye(2)) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:29: error[shape-mismatch]: multivariateNormal: loc has size 3 but scaleTril is [2, 2]
          2 | model { plate data(N) { x ~ multivariateNormal(zeros(3), eye(2)) } }
            |                             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        hint: loc is [D] and the scale [D, D]"
    `);
  });

  it("a categorical's probabilities need a category dim", () => {
    expect(diagnose('data c: int[N]\nmodel { plate data(N) { c ~ categorical(0.5) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:41: error[shape-mismatch]: categorical: 'probs' needs at least 1 dim (a vector), got shape []
          2 | model { plate data(N) { c ~ categorical(0.5) } }
            |                                         ^^^
        hint: give one entry per category, e.g. a simplex[K] param or a K-vector of logits"
    `);
  });
});

describe('model and guide', () => {
  it('a latent the guide does not sample', () => {
    expect(diagnose('data x: real[N]\nmodel { mu ~ normal(0, 1); s ~ lognormal(0, 1); plate data(N) { x ~ normal(mu, s) } }\nguide { mu ~ normal(0, 1) }')).toMatchInlineSnapshot(`
      "m.ppl:2:28: error[unguided-latent]: latent 's' is sampled in the model but not in the guide
          2 | model { mu ~ normal(0, 1); s ~ lognormal(0, 1); plate data(N) { x ~ normal(mu, s) } }
            |                            ^
        hint: add 's ~ ...' to the guide"
    `);
  });

  it('a latent the model does not sample', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, 1) }', 'z ~ normal(0, 1)\n  w ~ normal(0, 1)'))).toMatchInlineSnapshot(`
      "m.ppl:8:3: error[unmodelled-latent]: latent 'w' is sampled in the guide but not in the model
          8 |   w ~ normal(0, 1)
            |   ^
        hint: add 'w ~ ...' (its prior) to the model, or remove it from the guide"
    `);
  });

  it('a latent with different shapes in the model and the guide', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, 1) }', 'z ~ normal(0, 1)[3]'))).toMatchInlineSnapshot(`
      "m.ppl:7:3: error[latent-mismatch]: latent 'z' has shape [3] in the guide but [] in the model (line 3)
          7 |   z ~ normal(0, 1)[3]
            |   ^
        hint: the guide must propose values of the shape the model scores"
    `);
  });

  it('a latent in different plates in the model and the guide', () => {
    expect(diagnose('data x: real[N]\nmodel { plate data(N) { z ~ normal(0, 1); x ~ normal(z, 1) } }\nguide { z ~ normal(0, 1) }')).toMatchInlineSnapshot(`
      "m.ppl:3:9: error[latent-mismatch]: latent 'z' is outside every plate in the guide but inside plate 'data' in the model (line 2)
          3 | guide { z ~ normal(0, 1) }
            |         ^
        hint: sample a latent in the same plates in both blocks"
    `);
  });

  it('a guide that proposes values the prior rules out', () => {
    expect(diagnose('data x: real[N]\nmodel { s ~ lognormal(0, 1); plate data(N) { x ~ normal(0, s) } }\nguide { s ~ normal(1, 0.1) }')).toMatchInlineSnapshot(`
      "m.ppl:3:13: error[support-mismatch]: latent 's': the guide's normal draws real numbers, but the model's lognormal (line 2) is over positive numbers
          3 | guide { s ~ normal(1, 0.1) }
            |             ^^^^^^^^^^^^^^
        hint: use a positive guide such as lognormal(...) or gamma(...)"
    `);
  });

  it('observing a param', () => {
    expect(diagnose('data x: real[N]\nparam mu: real = 0\nmodel { mu ~ normal(0, 1); plate data(N) { x ~ normal(mu, 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:3:9: error[observe-non-data]: 'mu' is a param, and only data can be observed
          3 | model { mu ~ normal(0, 1); plate data(N) { x ~ normal(mu, 1) } }
            |         ^^
        hint: a latent needs its own name (z ~ ...); to learn 'mu', use it inside a distribution"
    `);
  });

  it('observing data in the guide', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, 1) }', 'z ~ normal(0, 1)\n  plate data(N) { x ~ normal(z, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:8:19: error[observe-in-guide]: the guide observes data 'x'
          8 |   plate data(N) { x ~ normal(z, 1) }
            |                   ^
        hint: observe data in the model; the guide reads it (e.g. h = encoder(x)) and samples latents"
    `);
  });

  it('a latent sampled twice', () => {
    expect(diagnose(inModel('  z ~ normal(1, 1)\n  plate data(N) { x ~ normal(z, 1) }'))).toMatchInlineSnapshot(`
      "m.ppl:4:3: error[duplicate-site]: 'z' is already sampled at line 3
          4 |   z ~ normal(1, 1)
            |   ^
        hint: give the latent another name (each name is bound once)"
    `);
  });

  it('factor in the guide', () => {
    expect(diagnose(inModel('  plate data(N) { x ~ normal(z, 1) }', 'z ~ normal(0, 1)\n  factor(-z)'))).toMatchInlineSnapshot(`
      "m.ppl:8:3: error[factor-in-guide]: factor(...) in the guide
          8 |   factor(-z)
            |   ^^^^^^^^^^
        hint: factors add to the model's log density; move it to the model"
    `);
  });
});

describe('plates', () => {
  it('observed data in a plate of another size', () => {
    expect(diagnose('data x: real[N, 3]\ndata y: real[M]\nmodel { plate data(M) { x ~ normal(0, 1); y ~ normal(0, 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:3:25: error[plate-size-mismatch]: 'x' is observed inside plate 'data' of size M, but its dim 1 is N (declared [N, 3])
          3 | model { plate data(M) { x ~ normal(0, 1); y ~ normal(0, 1) } }
            |                         ^
        hint: make the plate's size the data's: plate data(N)"
    `);
  });

  it('a plate subsampled in the guide but not in the model', () => {
    expect(diagnose('data x: real[N]\nmodel { plate data(N) { z ~ normal(0, 1); x ~ normal(z, 1) } }\nguide { plate data(N, subsample = 10) { z ~ normal(0, 1) } }')).toMatchInlineSnapshot(`
      "m.ppl:3:15: error[plate-mismatch]: plate 'data' has subsample 10 here but none (line 2)
          3 | guide { plate data(N, subsample = 10) { z ~ normal(0, 1) } }
            |               ^^^^
        hint: the model and the guide must subsample a plate the same way (the guide draws the minibatch, the model reuses it)"
    `);
  });

  it('an unknown plate option', () => {
    expect(diagnose('data x: real[N]\nmodel { plate data(N, batch = 10) { x ~ normal(0, 1) } }\nguide { }')).toMatchInlineSnapshot(`
      "m.ppl:2:23: error[unknown-argument]: plate 'data' has no argument named 'batch'
          2 | model { plate data(N, batch = 10) { x ~ normal(0, 1) } }
            |                       ^^^^^
        hint: arguments: 'size', 'subsample'"
    `);
  });

  it('a plate named like a latent', () => {
    expect(diagnose('data x: real[N]\nmodel { z ~ normal(0, 1); plate z(N) { x ~ normal(0, 1) } }\nguide { z ~ normal(0, 1) }')).toMatchInlineSnapshot(`
      "m.ppl:2:33: error[duplicate-name]: plate 'z' has the name of a latent (line 2)
          2 | model { z ~ normal(0, 1); plate z(N) { x ~ normal(0, 1) } }
            |                                 ^
        hint: plates and sites share one namespace; rename the plate"
    `);
  });
});

describe('warnings (the program still compiles)', () => {
  it('unused declarations, a param shared by model and guide, a real param used as a scale', () => {
    const text = 'data x: real[N]\ndata unused: real[N]\nparam s: real = 1\nmodel { z ~ normal(0, s); plate data(N) { x ~ normal(z, 1) } }\nguide { z ~ normal(0, s) }';
    expect(check(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['unused-data']);
    expect(check(text, { allowUnusedData: true }).diagnostics.every((d) => d.severity === 'warning')).toBe(true);
    expect(diagnose(text)).toMatchInlineSnapshot(`
      "m.ppl:2:6: error[unused-data]: data 'unused' is never used, so the fit ignores it
          2 | data unused: real[N]
            |      ^^^^^^
        hint: observe it in the model (unused ~ ...), use it, or remove the declaration; to fit anyway, allow unused data (roulette --allow-unused-data, compile(text, { allowUnusedData: true }))
      m.ppl:3:7: warning[shared-param]: param 's' is used by both the model and the guide; it belongs to the guide
          3 | param s: real = 1
            |       ^
        hint: the guide's estimator updates it; declare separate params if the model needs its own
      m.ppl:4:23: warning[support-mismatch]: normal: 'scale' must be positive, but param 's' is declared real and can leave that range
          4 | model { z ~ normal(0, s); plate data(N) { x ~ normal(z, 1) } }
            |                       ^
        hint: declare it 'param s: positive', or pass softplus(s) or exp(s)
      m.ppl:5:23: warning[support-mismatch]: normal: 'scale' must be positive, but param 's' is declared real and can leave that range
          5 | guide { z ~ normal(0, s) }
            |                       ^
        hint: declare it 'param s: positive', or pass softplus(s) or exp(s)"
    `);
  });
});
