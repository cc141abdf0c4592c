import { describe, expect, it } from 'vitest';
import { registry, type EstimatorName } from '../../examples/registry.js';
import { estimatorOptions } from '../../examples/run.js';
import { adam, svi } from '../../src/inference/index.js';
import { clearParamStore, getParamStore, Stream } from '../../src/index.js';
import { setSeed } from '../../src/runtime/rng.js';

/**
 * Every gallery model with every estimator it lists (C-ISIR aside, which svi does not compile yet):
 * compiled steps give the eager numbers, seed for seed, at the gallery's quick sizes.
 */
const STEPS = 16;

describe.each([...registry.values()].map((e) => [e.name, e] as const))('%s', (_name, example) => {
  const estimators = example.estimators.filter((e): e is Exclude<EstimatorName, 'cisir'> => e !== 'cisir');
  it.each(estimators)('%s: compiled = eager', async (estimator) => {
    const data = await example.load(0, true);
    if ('skipped' in data) {
      console.log(`${example.name}: skipped (${data.skipped})`);
      return;
    }
    const hyper = { ...example.defaults, ...example.quick };
    const rows = Array.from({ length: Math.min(hyper.batch, data.train.count) }, (_, i) => i);
    const batch = data.train.batch(rows, Stream.fromSeed(1));
    const run = (compile: boolean) => {
      clearParamStore();
      setSeed(3);
      const built = example.build(data);
      const fit = svi(built.model, built.guide, { ...estimatorOptions(estimator, hyper, example), optimizer: adam({ lr: 1e-3 }), seed: 1, compile, onCompileNote: () => {} });
      const objectives: number[] = [];
      const modes: string[] = [];
      for (let i = 0; i < STEPS; i++) {
        objectives.push(fit.step(batch).logMarginal);
        modes.push(fit.mode);
      }
      const store = getParamStore();
      const params = store.names().flatMap((n) => Array.from(store.variable(n).dataSync()));
      built.owned?.forEach((t) => t.dispose());
      return { objectives, modes, params };
    };
    const eager = run(false);
    const compiled = run(true);
    for (let i = 0; i < STEPS; i++) expect(Math.abs(compiled.objectives[i]! - eager.objectives[i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(eager.objectives[i]!)));
    let worst = 0;
    eager.params.forEach((p, i) => (worst = Math.max(worst, Math.abs(compiled.params[i]! - p) / (1e-3 + Math.abs(p)))));
    expect(worst).toBeLessThan(1e-2);
    // Reparameterised ELBO and IWAE always compile; the running-average baseline of a score-function ELBO is host state.
    if (estimator === 'iwae' || (estimator === 'elbo' && !compiled.modes.some((m) => /host values changes/.test(m)))) {
      expect(compiled.modes.at(-1)).toBe('compiled');
    }
    batch.forEach((t) => t.dispose());
    data.dispose();
  });
});
