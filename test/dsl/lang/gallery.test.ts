import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../../../src/dsl/lang/index.js';
import type { Estimator } from '../../../src/inference/estimator.js';
import { elbo, gradients, iwae, mlrr, type GradientOptions } from '../../../src/inference/index.js';
import type { Program } from '../../../src/inference/program.js';
import { clearParamStore } from '../../../src/runtime/index.js';
import { bayesianRegression } from '../../../examples/bayesian-regression/model.js';
import { gaussianMixture } from '../../../examples/gaussian-mixture/model.js';
import { linearGaussian } from '../../../examples/linear-gaussian/model.js';
import { vae } from '../../../examples/vae-mnist/model.js';

/**
 * The gallery's models written twice, in TypeScript and in .ppl, must be the same programs: the same
 * seed on the same data gives the same loss and the same gradient for every param (names included).
 */

const ppl = (example: string, edit: (text: string) => string = (t) => t) =>
  compile(edit(readFileSync(new URL(`../../../examples/${example}/model.ppl`, import.meta.url), 'utf8')), { file: `${example}/model.ppl` });

interface Run {
  readonly loss: number;
  readonly grads: Record<string, Float32Array>;
}

function run<A extends unknown[]>(model: Program<A>, guide: Program<A>, args: A, options: GradientOptions): Run {
  clearParamStore();
  const r = gradients(model, guide, args, options);
  const grads = Object.fromEntries(Object.entries(r.grads).map(([name, g]) => [name, g.dataSync() as Float32Array]));
  for (const g of Object.values(r.grads)) g.dispose();
  return { loss: r.loss, grads };
}

function expectSame(ts: Run, compiled: Run): void {
  expect(Object.keys(compiled.grads).sort()).toEqual(Object.keys(ts.grads).sort());
  expect(compiled.loss).toBeCloseTo(ts.loss, 4);
  for (const [name, g] of Object.entries(ts.grads)) {
    const h = compiled.grads[name]!;
    expect(h.length, name).toBe(g.length);
    let worst = 0;
    for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i]! - h[i]!) / Math.max(1, Math.abs(g[i]!)));
    expect(worst, `gradient of ${name}`).toBeLessThan(1e-4);
  }
}

afterEach(() => clearParamStore());

const estimators: ReadonlyArray<readonly [string, () => GradientOptions]> = [
  ['elbo', () => ({ estimator: elbo({ particles: 3 }) })],
  ['iwae', () => ({ estimator: iwae({ k: 4 }) })],
];

describe('the gallery in TypeScript and in .ppl', () => {
  const x = tf.tensor2d([
    [1.2, 0.4, 2.1],
    [0.3, 1.8, 0.9],
    [2.0, 1.1, 0.2],
    [0.7, -0.4, 1.5],
  ]);

  for (const [name, options] of [...estimators, ['mlrr', () => ({ model: mlrr({ r: 0.6 }) as Estimator, guide: iwae({ k: 3 }) })] as const]) {
    it(`linear Gaussian, ${name}`, () => {
      const ts = linearGaussian();
      const compiled = ppl('linear-gaussian');
      expectSame(run(ts.model, ts.guide, [x], { ...options(), seed: 11 }), run(compiled.model, compiled.guide, [{ x }], { ...options(), seed: 11 }));
    });
  }

  it('linear Gaussian with a subsampled data plate (minibatches gathered in both)', () => {
    const ts = linearGaussian({ subsample: 2 });
    const compiled = ppl('linear-gaussian', (t) => t.replaceAll('plate data(N)', 'plate data(N, subsample = 2)'));
    expectSame(run(ts.model, ts.guide, [x], { estimator: iwae({ k: 4 }), seed: 3 }), run(compiled.model, compiled.guide, [{ x }], { estimator: iwae({ k: 4 }), seed: 3 }));
  });

  const X = tf.tensor2d([
    [1, 0.5],
    [0.2, -1],
    [0.3, 0.3],
    [-1, 2],
    [0.5, 0.5],
  ]);
  const y = tf.tensor1d([1.0, -0.5, 0.2, 2.1, 0.7]);
  for (const [name, options] of estimators) {
    it(`Bayesian regression, ${name}`, () => {
      const ts = bayesianRegression();
      const compiled = ppl('bayesian-regression');
      expectSame(run(ts.model, ts.guide, [X, y], { ...options(), seed: 5 }), run(compiled.model, compiled.guide, [{ X, y }], { ...options(), seed: 5 }));
    });
  }

  const points = tf.tensor2d([
    [-2, 0.1],
    [0.1, 2.2],
    [1.9, -0.2],
    [-1.8, -0.3],
    [2.2, 0.1],
  ]);
  for (const [name, options] of estimators) {
    it(`Gaussian mixture (discrete assignments, score-function guide gradients), ${name}`, () => {
      const ts = gaussianMixture();
      const compiled = ppl('gaussian-mixture');
      expectSame(run(ts.model, ts.guide, [points], { ...options(), seed: 9 }), run(compiled.model, compiled.guide, [{ x: points }], { ...options(), seed: 9 }));
    });
  }

  it('the MNIST VAE (784-200-200-20), elbo and iwae-5', () => {
    const images = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([6, 784], 0, 1, 'float32', 1), 0.7), 'float32'));
    const compiled = ppl('vae-mnist');
    for (const estimator of [() => elbo(), () => iwae({ k: 5 })]) {
      const ts = vae({ latent: 20, hidden: [200, 200] });
      expectSame(run(ts.model, ts.guide, [images], { estimator: estimator(), seed: 2 }), run(compiled.model, compiled.guide, [{ x: images }], { estimator: estimator(), seed: 2 }));
    }
    images.dispose();
  });
});
