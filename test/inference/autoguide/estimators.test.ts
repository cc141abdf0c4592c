import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { autoGuide, type AutoGuideFamily } from '../../../src/inference/autoguide/index.js';
import { elbo } from '../../../src/inference/elbo.js';
import type { Estimator } from '../../../src/inference/estimator.js';
import { iwae } from '../../../src/inference/iwae.js';
import { mlrr } from '../../../src/inference/mlrr.js';
import { adam } from '../../../src/inference/optim.js';
import { sumo } from '../../../src/inference/sumo.js';
import { svi } from '../../../src/inference/svi.js';
import { clearParamStore, Stream } from '../../../src/runtime/index.js';
import { linearGaussian } from '../../helpers/linear-gaussian.js';
import { mean } from './helpers.js';

afterEach(() => clearParamStore());

// Data far from theta's start (0): the model's loss has a long way down.
const N = 8;
const D = 2;
const s = Stream.fromSeed('autoguide-estimators');
const x = tf.tensor2d(Array.from({ length: N }, () => Array.from({ length: D }, () => 2 + 1.4 * s.normal())));

const estimators: Record<string, () => { estimator: Estimator } | { model: Estimator }> = {
  elbo: () => ({ estimator: elbo({ particles: 2 }) }),
  iwae: () => ({ estimator: iwae({ k: 4 }) }),
  // The debiased estimators give phi no signal: the guide gets their default objective (IWAE-5).
  mlrr: () => ({ model: mlrr({ r: 0.6 }) }),
  sumo: () => ({ model: sumo() }),
};

const families: readonly AutoGuideFamily[] = ['delta', 'normal', 'multivariateNormal', 'flow'];
const cases = families.flatMap((family) => Object.keys(estimators).map((name) => [family, name] as const));

describe('every automatic guide with every estimator (linear Gaussian model)', () => {
  it.each(cases)('%s with %s: 50 steps run and the loss goes down', (family, name) => {
    // Mean-field families subsample the data plate (per-datapoint params gathered by index); the joint
    // families need the whole plate.
    const joint = family === 'multivariateNormal' || family === 'flow';
    const { model } = linearGaussian(D, joint ? {} : { subsample: 4 });
    const guide = autoGuide(model, { family });
    const fit = svi(model, guide, { ...estimators[name]!(), optimizer: adam({ lr: 0.05 }), seed: 3 });
    const losses = Array.from({ length: 50 }, () => fit.step(x).loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    const [early, late] = [mean(losses.slice(0, 10)), mean(losses.slice(40))];
    expect(late, `early ${early}, late ${late}`).toBeLessThan(early - 5);
  });
});
