import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, compile } from '../../../src/dsl/lang/index.js';
import { autoGuide, elbo, gradients } from '../../../src/inference/index.js';
import { drawWeighted } from '../../../src/inference/program.js';
import { clearParamStore, Stream } from '../../../src/runtime/index.js';
import { gaussianMixture } from '../../../examples/gaussian-mixture/model.js';

/** `z ~ categorical(p) enumerate` in the language: parsed, checked, and lowered to { enumerate: true }. */

const text = readFileSync(new URL('../../../examples/gaussian-mixture/enumerated.ppl', import.meta.url), 'utf8');
const points = tf.tensor2d([
  [-2.1, 0.2],
  [0.3, 2.2],
  [1.9, -0.2],
  [-1.8, -0.3],
  [2.2, 0.1],
]);

const codes = (source: string): string[] => check(source).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

describe('enumerate in .ppl', () => {
  it('examples/gaussian-mixture/enumerated.ppl checks, and is the TypeScript enumerated mixture: same loss and gradients', () => {
    expect(codes(text)).toEqual([]);
    const run = (model: (a: never) => unknown, guide: (a: never) => unknown, args: unknown[]) => {
      clearParamStore();
      const r = gradients(model as never, guide as never, args as never, { estimator: elbo(), seed: 3 });
      const grads = Object.fromEntries(Object.entries(r.grads).map(([n, g]) => [n, Array.from(g.dataSync())]));
      for (const g of Object.values(r.grads)) g.dispose();
      return { loss: r.loss, grads };
    };
    const compiled = compile(text, { file: 'enumerated.ppl' });
    const ts = gaussianMixture(3, { enumerate: true });
    const a = run(ts.model as never, ts.guide as never, [points]);
    const b = run(compiled.model as never, compiled.guide as never, [{ x: points }]);
    expect(Object.keys(b.grads).sort()).toEqual(['locs', 'mixing', 'scale']);
    expect(b.loss).toBeCloseTo(a.loss, 4);
    for (const [name, g] of Object.entries(a.grads)) g.forEach((v, i) => expect(b.grads[name]![i]).toBeCloseTo(v, 4));
    // The loss is -log p(x) in closed form: uniform mixing, unit scale, locs (-2, 0), (0, 2), (2, 0).
    const locs = [[-2, 0], [0, 2], [2, 0]];
    const rows = points.arraySync() as number[][];
    const exact = rows.reduce((acc, [x0, x1]) => acc + Math.log(locs.reduce((s, [m0, m1]) => s + Math.exp(-0.5 * ((x0! - m0!) ** 2 + (x1! - m1!) ** 2)) / (2 * Math.PI * 3), 0)), 0);
    expect(b.loss).toBeCloseTo(-exact, 3);
  });

  it('an enumerated latent needs no guide site; the automatic guide leaves it out; log w sums it out', () => {
    // m ~ N(0, 2^2), c_i ~ Bern(0.4), x_i ~ N(m + 3 c_i, 1): log w = log p(m) + sum_i log sum_c p(c) N(x_i; m + 3c, 1) - log q(m).
    const shift = (guide: string): string => `
data x: real[N]
${guide}
model {
  m ~ normal(0, 2)
  plate data(N) {
    c ~ bernoulli(0.4) enumerate
    x ~ normal(m + 3 * c, 1)
  }
}`;
    expect(codes(shift('guide { m ~ normal(0.5, 0.1) }'))).toEqual([]);
    const xs = [0.4, 3.5, -0.2, 2.8];
    const x = tf.tensor1d(xs);
    const lnorm = (v: number, m: number, s: number): number => -0.5 * ((v - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    for (const guided of [true, false]) {
      clearParamStore();
      const compiled = guided
        ? compile(shift('guide { m ~ normal(0.5, 0.1) }'))
        : compile(shift(''), { autoGuide: (model) => autoGuide(model, { family: 'normal' }) });
      tf.tidy(() => {
        const w = drawWeighted({ model: compiled.model, guide: compiled.guide, args: [{ x }], vectorize: true }, 4, Stream.fromSeed(1));
        const guideSites = w.runs[0]!.guide.latentSites().map((site) => site.name);
        expect(guideSites).toEqual(['m']);
        const ms = Array.from(w.runs[0]!.guide.sample('m').value.dataSync());
        const q = w.runs[0]!.guide.sample('m').logProb.dataSync();
        const got = w.logWeights().dataSync();
        ms.forEach((m, k) => {
          const exact = lnorm(m, 0, 2) + xs.reduce((a, v) => a + Math.log(0.6 * Math.exp(lnorm(v, m, 1)) + 0.4 * Math.exp(lnorm(v, m + 3, 1))), 0) - q[k]!;
          expect(got[k]).toBeCloseTo(exact, 3);
        });
      });
    }
    x.dispose();
  });

  it('reports misuse: in the guide, on data, without a finite support, with a shape; a guide site for an enumerated latent', () => {
    const base = (model: string, guide = 'guide {}'): string => `data x: real[N]\n${guide}\nmodel { ${model} }`;
    expect(codes(base('plate data(N) { c ~ bernoulli(0.5); x ~ normal(c, 1) }', 'guide { plate data(N) { c ~ bernoulli(0.5) enumerate } }'))).toContain('enumerated-in-guide');
    expect(codes(base('plate data(N) { c ~ bernoulli(0.5) enumerate; x ~ normal(c, 1) }', 'guide { plate data(N) { c ~ bernoulli(0.5) } }'))).toEqual(['enumerated-in-guide']);
    expect(codes(base('plate data(N) { x ~ normal(0, 1) enumerate }'))).toEqual(['enumerate-unsupported']);
    expect(codes(base('plate data(N) { k ~ poisson(2) enumerate; x ~ normal(k, 1) }'))).toEqual(['enumerate-unsupported']);
    expect(codes(base('c ~ bernoulli(0.5)[3] enumerate\nplate data(N) { x ~ normal(0, 1) }'))).toEqual(['enumerate-unsupported']);
    const message = check(base('plate data(N) { k ~ poisson(2) enumerate; x ~ normal(k, 1) }')).diagnostics[0]!;
    expect(message.message).toMatch(/'k' ~ poisson\(\.\.\.\) cannot be enumerated/);
    // `enumerate` is a reserved word: not a name.
    expect(codes(base('plate data(N) { enumerate ~ bernoulli(0.5); x ~ normal(enumerate, 1) }'))).toContain('syntax-error');
  });
});
