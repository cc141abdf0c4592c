import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { elbo, iwae, svi } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/index.js';
import { tinyGuide, tinyModel, x10 } from '../helpers/tiny-model.js';

afterEach(() => clearParamStore());

/**
 * Kernels per step as budgets (exact counts, so they can be tested; times are benchmarks). The 3-site
 * model of bench/suites/tiny-model.ts: a compiled step dispatches none; an eager one is bounded so it
 * cannot grow unnoticed. Of its 128 kernels, 15 are clones tfjs's tape makes of saved tensors and 7
 * are the scopes of roulette's single-op log densities, draws and site sums; the rest is arithmetic.
 */
const EAGER_BUDGET = 130; // 128: the normal's log density and draw and the site sums are single taped ops (341, then 239, before)

async function kernelsPerStep(compile: boolean, estimator = elbo()): Promise<{ kernels: number; mode: string }> {
  const x = x10();
  const fit = svi(tinyModel, tinyGuide, { estimator, seed: 1, compile });
  for (let i = 0; i < 5; i++) fit.step(x);
  const info = await tf.profile(() => void fit.step(x));
  x.dispose();
  return { kernels: info.kernels.length, mode: fit.mode };
}

describe('kernels per step of the 3-site model', () => {
  it('compiled: none', async () => {
    for (const estimator of [elbo(), iwae({ k: 5 })]) {
      const { kernels, mode } = await kernelsPerStep(true, estimator);
      expect(mode).toBe('compiled');
      expect(kernels).toBe(0);
    }
  });

  it(`eager: at most ${EAGER_BUDGET} (the optimiser and the gradient norms run on the host, not as kernels)`, async () => {
    const { kernels, mode } = await kernelsPerStep(false);
    expect(mode).toBe('eager');
    expect(kernels).toBeGreaterThan(0);
    expect(kernels).toBeLessThanOrEqual(EAGER_BUDGET);
  });
});
