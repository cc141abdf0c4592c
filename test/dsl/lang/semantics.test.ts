import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { compile, PplError, type DataRecord } from '../../../src/dsl/lang/index.js';
import { elbo, gradients, iwae, logLikelihood } from '../../../src/inference/index.js';
import { clearParamStore, getParamStore, particles, RouletteError, seed, trace } from '../../../src/runtime/index.js';

/** What compiled programs compute: shapes under particles and plates, indexing, data, params. */

afterEach(() => clearParamStore());

function close(a: tf.Tensor, b: tf.Tensor | number | readonly unknown[], tol = 1e-5): void {
  const expected = b instanceof tf.Tensor ? b : tf.tensor(b as number[]);
  expect(a.shape).toEqual(expected.shape);
  const diff = tf.tidy(() => (a.size === 0 ? 0 : tf.max(tf.abs(tf.sub(a, expected))).dataSync()[0]!));
  expect(diff).toBeLessThan(tol);
}

/** The value of an expression, read through a delta site (its event is the expression's item dims). */
function value(declarations: string, expr: string, data: DataRecord = {}): tf.Tensor {
  const text = `${declarations}\nmodel { result ~ delta(${expr}) }\nguide { result ~ delta(${expr}) }`;
  // One set of declarations serves many expressions, each using some of them.
  return trace(seed(compile(text, { allowUnusedData: true }).model, 0)).getTrace(data).sample('result').value;
}

const x = tf.tensor2d([
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
]);

describe('shapes under particles and plates', () => {
  const text = `
    data x: real[N, 4]
    param mu: real[2] = 0
    model {
      g ~ normal(mu, 1)
      plate data(N) {
        z ~ normal(0, 1)[5]
        x ~ normal(sum(z) + g[0] + g[1], 1)
      }
    }
    guide {
      g ~ normal(mu, 1)
      plate data(N) {
        h = x[:2]
        z ~ normal(h[0], 1)[5]
      }
    }`;

  it('a latent in the data plate is [B, ...event], a global one [...event]; particles add K on the left', () => {
    const { model, guide } = compile(text);
    const plain = trace(seed(guide, 1)).getTrace({ x });
    expect(plain.sample('z').value.shape).toEqual([3, 5]);
    expect(plain.sample('g').value.shape).toEqual([2]);
    const K = 4;
    const vectorised = trace(seed(particles(guide, K), 1)).getTrace({ x });
    expect(vectorised.sample('z').value.shape).toEqual([K, 3, 5]);
    expect(vectorised.sample('g').value.shape).toEqual([K, 1, 2]);
    expect(vectorised.sample('z').logProb.shape).toEqual([K, 3]);
    expect(trace(seed(particles(model, K), 1)).getTrace({ x }).sample('x').logProb.shape).toEqual([K, 3]);
  });

  it('estimators give the same numbers vectorised and in a loop over particles', () => {
    const { model, guide } = compile(text);
    const a = gradients(model, guide, [{ x }], { estimator: iwae({ k: 3 }), seed: 4 });
    const b = gradients(model, guide, [{ x }], { estimator: iwae({ k: 3 }), seed: 4, vectorize: false });
    expect(b.loss).toBeCloseTo(a.loss, 3);
    close(b.grads['mu']!, a.grads['mu']!, 1e-3);
  });

  it('nested plates own dims in the order of the data: y[N, M] in plate i(N) { plate j(M) }', () => {
    const y = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const { model, guide } = compile(`
      data y: real[N, M]
      model { plate i(N) { a ~ normal(0, 1); plate j(M) { b ~ normal(a, 1); y ~ normal(b, 1) } } }
      guide { plate i(N) { a ~ normal(0, 1); plate j(M) { b ~ normal(a, 1) } } }`);
    const g = trace(seed(guide, 0)).getTrace({ y });
    expect(g.sample('a').value.shape).toEqual([2, 1]);
    expect(g.sample('b').value.shape).toEqual([2, 3]);
    const K = 3;
    const gk = trace(seed(particles(guide, K), 0)).getTrace({ y });
    expect(gk.sample('a').value.shape).toEqual([K, 2, 1]);
    expect(gk.sample('b').value.shape).toEqual([K, 2, 3]);
    expect(trace(seed(model, 0)).getTrace({ y }).sample('y').value.shape).toEqual([2, 3]);
    const r = logLikelihood(model, guide, [{ y }], { k: 20, seed: 1 });
    expect(r.perDatapoint.length).toBe(2); // the outer plate i is the data plate
  });
});

describe('indexing acts on the item dims', () => {
  it('inside the data plate, x[:2] slices each datapoint; outside, it takes the first rows', () => {
    close(value('data x: real[N, 4]', 'x[:2]', { x }), [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const text = `
      data x: real[N, 4]
      model { plate data(N) { v ~ delta(x[:2]) } }
      guide { plate data(N) { v ~ delta(x[:2]) } }`;
    close(trace(seed(compile(text).model, 0)).getTrace({ x }).sample('v').value, [
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
  });

  it('numbers, negative indices, slices with two bounds, several indices', () => {
    close(value('data x: real[N, 4]', 'x[1]', { x }), [5, 6, 7, 8]);
    close(value('data x: real[N, 4]', 'x[-1, 1:3]', { x }), [10, 11]);
    close(value('data x: real[N, 4]', 'x[:, -1]', { x }), [4, 8, 12]);
    close(value('data x: real[N, 4]', 'x[0:2, 3]', { x }), [4, 8]);
  });

  it('an integer latent indexes a param (gather) and a latent that carries particle dims (one-hot)', () => {
    const { guide } = compile(`
      data x: real[N, 2]
      param locs: real[3, 2] = [[0, 0], [10, 10], [20, 20]]
      model {
        means ~ normal(locs, 1)
        plate data(N) { c ~ categorical(logits = [0, 0, 0]); v ~ delta(locs[c] + means[c]); x ~ normal(v, 1) }
      }
      guide {
        means ~ normal(locs, 1)
        plate data(N) { c ~ categorical(logits = [0, 0, 0]); v ~ delta(locs[c] + means[c]) }
      }`);
    const K = 5;
    const g = trace(seed(particles(guide, K), 2)).getTrace({ x: tf.zeros([4, 2]) });
    const c = g.sample('c').value.arraySync() as number[][];
    const means = g.sample('means').value.arraySync() as number[][][][]; // [K, 1, 3, 2]
    const expected = c.map((row, k) => row.map((ci) => [0, 1].map((d) => ci * 10 + means[k]![0]![ci]![d]!)));
    close(g.sample('v').value, expected, 1e-4);
  });

  it('gradients flow through a gathered param on the wasm backend', () => {
    const { model, guide } = compile(`
      data x: real[N]
      param locs: real[2] = [-1, 1]
      model { plate data(N) { c ~ bernoulli(0.5); x ~ normal(locs[c], 1) } }
      guide { plate data(N) { c ~ bernoulli(0.5) } }`);
    const r = gradients(model, guide, [{ x: tf.tensor1d([0.5, -0.2, 1.5]) }], { estimator: elbo({ particles: 4 }), seed: 0 });
    expect(r.grads['locs']!.shape).toEqual([2]);
    expect(Number.isFinite(r.grads['locs']!.dataSync()[0]!)).toBe(true);
  });
});

describe('data in plates', () => {
  it('a subsampled plate gathers the data with the same indices in the guide and the model', () => {
    const data = { x: tf.tensor2d([[0], [10], [20], [30], [40]]) };
    const text = `
      data x: real[N, 1]
      model { plate data(N, subsample = 2) { z ~ normal(0, 1); x ~ normal(z, 1) } }
      guide { plate data(N, subsample = 2) { z ~ normal(x[0], 0.001) } }`;
    const { model, guide } = compile(text);
    const r = logLikelihood(model, guide, [data], { k: 4, seed: 3 }); // the model replays the guide's minibatch
    expect(r.perDatapoint.length).toBe(2);
    expect(Number.isFinite(r.mean)).toBe(true);
    const g = trace(seed(guide, 3)).getTrace(data);
    const idx = Array.from(g.get('data')!.value!.dataSync());
    expect(idx.length).toBe(2);
    const z = Array.from(g.sample('z').value.dataSync());
    z.forEach((zi, i) => expect(zi).toBeCloseTo(idx[i]! * 10, 1));
  });

  it('a param with the plate\'s leading dim is a local parameter: gathered to the minibatch, with gradients to its rows', () => {
    const { model, guide } = compile(`
      data x: real[N, 2]
      param loc: real[N, 2] = 0
      model { plate data(N, subsample = 2) { z ~ normal(0, 1)[2]; x ~ normal(z, 1) } }
      guide { plate data(N, subsample = 2) { z ~ normal(loc, 0.1) } }`);
    const data = { x: tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]]) };
    const r = gradients(model, guide, [data], { estimator: elbo({ particles: 2 }), seed: 5 });
    const rows = (r.grads['loc']!.arraySync() as number[][]).map((row) => row.some((g) => g !== 0));
    expect(rows.filter(Boolean)).toHaveLength(2); // only the minibatch's rows get a gradient
    const idx = Array.from(trace(seed(guide, 5)).getTrace(data).get('data')!.value!.dataSync());
    expect(idx).toHaveLength(2);
  });

  it("the compile option 'batch' subsamples the top-level plate, 'none' turns subsampling off", () => {
    const text = `
      data x: real[N]
      model { plate data(N, subsample = 2) { x ~ normal(0, 1) } }
      guide { }`;
    const data = { x: tf.tensor1d([1, 2, 3, 4, 5]) };
    expect(trace(compile(text, { batch: 3 }).model).getTrace(data).sample('x').value.shape).toEqual([3]);
    expect(trace(compile(text, { subsample: 'none' }).model).getTrace(data).sample('x').value.shape).toEqual([5]);
    expect(trace(compile(text, { batch: 50 }).model).getTrace(data).sample('x').value.shape).toEqual([5]);
  });

  it('dataSpec binds sizes and says what is wrong with the data', () => {
    const { dataSpec } = compile(`
      data x: real[N, D]
      data y: int[N]
      model { plate data(N) { y ~ poisson(exp(sum(x))) } }
      guide { }`);
    expect(dataSpec.bind({ x: tf.zeros([3, 2]), y: tf.zeros([3]) })).toEqual({ N: 3, D: 2 });
    expect(() => dataSpec.bind({ x: tf.zeros([3, 2]) })).toThrow(/data 'y' is missing/);
    expect(() => dataSpec.bind({ x: tf.zeros([3, 2]), y: tf.zeros([4]) })).toThrow(/size N is 3 from data 'x' but 4 from data 'y'/);
    expect(() => dataSpec.bind({ x: tf.zeros([3]), y: tf.zeros([3]) })).toThrow(/declared x: real\[N, D\] \(2 dims, not 1\)/);
    expect(() => dataSpec.validate({ x: tf.zeros([3, 2]), y: tf.tensor1d([0, 1.5, 2]) })).toThrow(/data 'y' at \[1\] is 1.5, not an integer/);
    expect(() => dataSpec.validate({ x: tf.tensor2d([[0, NaN], [0, 0]]), y: tf.zeros([2]) })).toThrow(/data 'x' at \[0, 1\] is NaN/);
  });
});

describe('params, nets, factor', () => {
  it('params take their declared shape, constraint and initial value (which may read the data)', () => {
    const { model, guide } = compile(`
      data x: real[N, D]
      param m: real[D] = mean(x, 0)
      param s: positive[D]
      param p: unit = 0.25
      param w: real(lower = 1)[2]
      model { plate data(N) { x ~ normal(m, s * p * w[0]) } }
      guide { }`);
    gradients(model, guide, [{ x }], { estimator: elbo(), seed: 0 });
    const store = getParamStore();
    const read = (name: string) => tf.tidy(() => Array.from(store.value(name, undefined, store.constraint(name)!).dataSync()));
    expect(read('m')).toEqual([5, 6, 7, 8]);
    expect(read('s')).toEqual([1, 1, 1, 1]);
    expect(read('p')[0]).toBeCloseTo(0.25, 6);
    expect(read('w')).toEqual([2, 2]);
  });

  it("a param's stored shape must match its declaration (stale params are reported, not broadcast)", () => {
    const text = `data x: real[N, D]\nparam m: real[D]\nmodel { plate data(N) { x ~ normal(m, 1) } }\nguide { }`;
    const { model } = compile(text);
    trace(model).getTrace({ x });
    expect(() => trace(model).getTrace({ x: tf.zeros([3, 2]) })).toThrow(/param 'm' in the param store has shape \[4\] but the program declares real\[D\] = \[2\]/);
  });

  it('nets are nn.mlp / nn.dense with the declared name, and a net used in the guide belongs to the guide', () => {
    const { model, guide } = compile(`
      data x: real[N, 4]
      net enc = mlp(4, 8, 2, activation = relu, output = identity)
      net dec = dense(1, 4)
      model { plate data(N) { z ~ normal(0, 1)[1]; x ~ normal(dec(z), 1) } }
      guide { plate data(N) { h = enc(x); z ~ normal(h[:1], exp(h[1:])) } }`);
    gradients(model, guide, [{ x }], { estimator: elbo(), seed: 0 });
    const store = getParamStore();
    expect(store.names('guide').sort()).toEqual(['enc.0.bias', 'enc.0.weight', 'enc.1.bias', 'enc.1.weight']);
    expect(store.names('model').sort()).toEqual(['dec.bias', 'dec.weight']);
  });

  it('factor(expr) adds expr (summed over its item dims) to the log density', () => {
    const { model } = compile(`
      param theta: real[3] = [1, 2, 3]
      model { factor(-square(theta)) }
      guide { }`);
    const tr = trace(model).getTrace({});
    const site = tr.sampleSites().find((s) => s.name.startsWith('factor@'))!;
    expect(site.name).toBe('factor@3:15');
    expect(site.logProb.dataSync()[0]).toBeCloseTo(-14, 5);
  });
});

describe('every distribution and function', () => {
  const draws: ReadonlyArray<readonly [string, number[]]> = [
    ['normal(0, 1)', []],
    ['lognormal(0, 1)[3]', [3]],
    ['uniform(0, 2)', []],
    ['exponential(2)', []],
    ['laplace(0, 1)', []],
    ['studentT(3)', []],
    ['studentT(df = 3, loc = 1, scale = 2)', []],
    ['gamma(2, 1)', []],
    ['beta(2, 3)', []],
    ['dirichlet([1, 2, 3])', [3]],
    ['bernoulli(0.3)', []],
    ['bernoulli(logits = 0)[4]', [4]],
    ['categorical([0.2, 0.8])', []],
    ['categorical(logits = zeros(2, 5))', [2]],
    ['binomial(10, 0.5)', []],
    ['binomial(totalCount = 5, logits = 1)', []],
    ['poisson(3)', []],
    ['multivariateNormal(zeros(2), eye(2))', [2]],
    ['multivariateNormal(0, covariance = [[2, 1], [1, 2]])', [2]],
    ['multivariateNormal(zeros(2), scaleDiag = ones(2))[3]', [3, 2]],
    ['delta([1, 2])', [2]],
  ];
  for (const [dist, item] of draws) {
    it(`${dist} draws values of item shape [${item.join(', ')}], with particles too`, () => {
      const { guide } = compile(`model { plate data(4) { v ~ ${dist} } }\nguide { plate data(4) { v ~ ${dist} } }`);
      const tr = trace(seed(particles(guide, 2), 0)).getTrace({});
      expect(tr.sample('v').value.shape).toEqual([2, 4, ...item]);
      expect(tr.sample('v').logProb.shape).toEqual([2, 4]);
      expect(tf.tidy(() => tf.all(tf.isFinite(tr.sample('v').logProb)).dataSync()[0])).toBe(1);
    });
  }

  const v = tf.tensor1d([1, 2, 3]);
  const m = tf.tensor2d([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const exprs: ReadonlyArray<readonly [string, tf.Tensor | readonly unknown[] | number]> = [
    ['exp(v) - 1', tf.sub(tf.exp(v), 1)],
    ['log(v) + log1p(v) + expm1(v)', tf.add(tf.add(tf.log(v), tf.log1p(v)), tf.expm1(v))],
    ['sqrt(v) * square(v) / abs(-v)', tf.div(tf.mul(tf.sqrt(v), tf.square(v)), v)],
    ['sigmoid(v) + softplus(v) + tanh(v) + relu(-v)', tf.add(tf.add(tf.sigmoid(v), tf.softplus(v)), tf.tanh(v))],
    ['logit(v / 4) + lgamma(v)', [Math.log(1 / 3), Math.log(1) + 0, Math.log(3) + Math.log(2)]],
    ['v ^ 2 + pow(2, v) - maximum(v, 2) + minimum(v, 2)', [1 + 2 - 2 + 1, 4 + 4 - 2 + 2, 9 + 8 - 3 + 2]],
    ['sum(m) + mean(v)', 23],
    ['sum(m, 0)', [9, 12]],
    ['sum(m, -1)', [3, 7, 11]],
    ['logSumExp(v)', Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))],
    ['max(m, 0) - min(m)', [4, 5]],
    ['softmax(v)', tf.softmax(v)],
    ['logSoftmax(v)', tf.logSoftmax(v)],
    ['matmul(v, m)', [22, 28]],
    ['matmul(transpose(m), v)', [22, 28]],
    ['matmul(transpose(m), m)', [
      [35, 44],
      [44, 56],
    ]],
    ['dot(v, v)', 14],
    ['diag(v[:2])', [
      [1, 0],
      [0, 2],
    ]],
    ['cholesky([[4, 2], [2, 2]])', [
      [2, 0],
      [1, 1],
    ]],
    ['zeros(2) + ones(2, 2) + eye(2)', [
      [2, 1],
      [1, 2],
    ]],
    ['concat(v, m[0], [7])', [1, 2, 3, 1, 2, 7]],
    ['[v, v * 2]', [
      [1, 2, 3],
      [2, 4, 6],
    ]],
    ['-v[1:] * 2 ** 2', [-8, -12]],
  ];
  for (const [expr, expected] of exprs) {
    it(`${expr}`, () => {
      close(value('data v: real[3]\ndata m: real[3, 2]', expr, { v, m }), expected, 1e-4);
    });
  }
});

describe('compile', () => {
  it('throws a PplError carrying the diagnostics', () => {
    let error: unknown;
    try {
      compile('data x: real[N]\nmodel { x ~ normal(mu, 1) }\nguide { }', { file: 'bad.ppl' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PplError);
    expect(error).toBeInstanceOf(RouletteError);
    expect((error as PplError).diagnostics.map((d) => d.code)).toEqual(['undefined-name']);
    expect((error as PplError).message).toContain("bad.ppl:2:20: error[undefined-name]: 'mu' is not defined");
  });

  it('a file without a guide needs the autoGuide hook, which receives the compiled model', () => {
    const text = 'data x: real[N]\nmodel { mu ~ normal(0, 1); plate data(N) { x ~ normal(mu, 1) } }';
    expect(() => compile(text)).toThrow(/no guide block/);
    const received: unknown[] = [];
    const compiled = compile(text, {
      autoGuide: (model) => {
        received.push(model);
        return () => undefined;
      },
    });
    expect(received).toEqual([compiled.model]);
  });

  it('compiled programs do not leak tensors', () => {
    const { model, guide } = compile(`
      data x: real[N, 4]
      param mu: real[4] = 0
      model { plate data(N, subsample = 2) { z ~ normal(mu, 1); x ~ normal(z[:], 1) } }
      guide { plate data(N, subsample = 2) { z ~ normal(x * 0.5, 1) } }`);
    const step = (s: number) => {
      const r = gradients(model, guide, [{ x }], { estimator: iwae({ k: 3 }), seed: s });
      for (const g of Object.values(r.grads)) g.dispose();
    };
    step(0);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 20; s++) step(s);
    expect(tf.memory().numTensors).toBe(before);
  });
});
