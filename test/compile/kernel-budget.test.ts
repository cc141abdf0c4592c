import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { elbo, iwae, svi } from '../../src/inference/index.js';
import { useFusedKernels } from '../../src/runtime/fused/index.js';
import { clearParamStore } from '../../src/runtime/index.js';
import { tinyGuide, tinyModel, x10 } from '../helpers/tiny-model.js';

afterEach(() => clearParamStore());

/**
 * Kernels per step as budgets (exact counts, so they can be tested; times are benchmarks). The 3-site
 * model of bench/suites/tiny-model.ts: a compiled step dispatches none; an eager one is held to the
 * issue's 60. It launches 54 on wasm and cpu: each normal log density and draw and the site sums are one
 * fused kernel with one for their gradient (src/runtime/fused); of the rest, 18 are the clones tfjs's tape
 * makes of saved inputs and 8 the Adds that sum a latent's gradients from the sites that read it.
 */
const EAGER_BUDGET = 60; // 54 (341 at the issue, then 239, then 128 with single taped ops)

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

  it('eager with the composite ops (what WebGL and tfjs-node run): over the budget, so it can fail', async () => {
    useFusedKernels(false);
    try {
      const { kernels } = await kernelsPerStep(false);
      expect(kernels).toBeGreaterThan(EAGER_BUDGET);
    } finally {
      useFusedKernels(true);
    }
  });
});
