import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { cisir, gradients, iwae, leadingAxisDatapoints } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/index.js';
import { linearGaussian } from '../helpers/linear-gaussian.js';

afterEach(() => clearParamStore());

/** C-ISIR's chain iterations compiled (one program per live batch size) against eager ones. */
describe('compiled C-ISIR chain iterations', () => {
  const { model, guide } = linearGaussian(2);
  const x = (): tf.Tensor2D => tf.tensor2d(Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]));

  function estimates(compile: boolean, kernel: 'isir' | 'isir-disir', seeds: number): number[][] {
    clearParamStore();
    const data = x();
    const estimator = cisir({ k: 5, lag: 3, kernel, compile, selectDatapoints: leadingAxisDatapoints });
    const out: number[][] = [];
    const shares: number[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const r = gradients(model, guide, [data], { model: estimator, guide: iwae({ k: 5 }), seed, compile: false });
      out.push([...Object.values(r.grads).flatMap((g) => Array.from(g.dataSync())), r.logMarginal, r.stats['iterations']!]);
      shares.push(r.stats['compiledEvaluations']!);
      for (const g of Object.values(r.grads)) g.dispose();
    }
    data.dispose();
    // Compiled: most evaluations replay (each live batch size records first); eager: none.
    const share = shares.reduce((a, b) => a + b, 0) / shares.length;
    if (compile) expect(share).toBeGreaterThan(0.5);
    else expect(share).toBe(0);
    return out;
  }

  for (const kernel of ['isir', 'isir-disir'] as const) {
    it(`${kernel}: the same estimates, seed for seed`, () => {
      const eager = estimates(false, kernel, 8);
      const compiled = estimates(true, kernel, 8);
      eager.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(compiled[i]![j]! - v)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v)))));
    });
  }

  it('keeps the number of tensors flat across estimates', () => {
    clearParamStore();
    const data = x();
    const estimator = cisir({ k: 5, lag: 3, compile: true, selectDatapoints: leadingAxisDatapoints });
    const run = (seed: number): void => {
      const r = gradients(model, guide, [data], { model: estimator, guide: iwae({ k: 5 }), seed, compile: false });
      for (const g of Object.values(r.grads)) g.dispose();
    };
    for (let seed = 0; seed < 5; seed++) run(seed);
    const before = tf.memory().numTensors;
    for (let seed = 5; seed < 60; seed++) run(seed);
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });
});
