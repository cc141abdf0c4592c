import { Stream } from '../../src/index.js';
import { mlrr, mlss, sumo, varianceObjective, type DebiasedEstimator } from '../../src/inference/index.js';
import { rowsSplit, type GalleryExample } from '../gallery-example.js';
import { FIGURE_EIGHT_NOISE_VARIANCE, figureEightPoints, figureEightVae } from './model.js';

export const example: GalleryExample = {
  name: 'figure-eight',
  description: 'Shi & Cornish 7.2: 1-d latent VAE (3 x 50 leaky-ReLU MLPs, learned decoder variance) on a 2-d figure-eight density',
  estimators: ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'],
  cisirKernel: 'isir-disir',
  // The paper's settings (MLMC_Gradients' config/figure8.py): Adam 2.5e-4, batch 100, k = 5, r = 0.625,
  // SUMO's m = 1; the debiased estimators' encoder minimises their own second moment ("q_train_method:
  // var"), IWAE's is trained by the IWAE bound itself. The guide's copies of ML-SS and ML-RR cap K at 8
  // (512 draws a point): a second moment cannot be computed in chunks, and the K ~ 12 that 100,000 steps
  // draw (4,096 draws x 100 points through three MLPs) exhausted wasm's 4 GB at once. The model's
  // estimators keep K uncapped; the guide's objective needs no unbiasedness, any phi is valid.
  guideObjective(h, estimator) {
    const maxLevel = 8;
    const inner: DebiasedEstimator | undefined =
      estimator === 'sumo'
        ? sumo({ m: h.m })
        : estimator === 'mlss'
          ? mlss({ r: h.r, level: h.level, maxLevel })
          : estimator === 'mlrr'
            ? mlrr({ r: h.r, level: h.level, maxLevel })
            : undefined;
    return inner && varianceObjective(inner);
  },
  defaults: { epochs: 100, batch: 100, lr: 2.5e-4, optimizer: 'adam', k: 5, r: 0.625, level: 0, m: 1, particles: 1, lag: 5, evalK: 5000 },
  quick: { epochs: 3, batch: 50, lr: 3e-3, k: 3, lag: 2, evalK: 20 },
  load(seed, quick) {
    const stream = Stream.fromSeed(`figure-eight-${seed}`);
    const [nTrain, nValid, nTest] = quick ? [300, 100, 100] : [5000, 2000, 2000];
    const train = figureEightPoints(nTrain, stream);
    const validation = figureEightPoints(nValid, stream); // the paper's validation split
    const test = figureEightPoints(nTest, stream);
    return {
      train: rowsSplit(train, 2),
      validation: rowsSplit(validation, 2),
      test: rowsSplit(test, 2),
      quick,
      info: { train: nTrain, validation: nValid, test: nTest, curve: 'lemniscate of Bernoulli, u = pi (0.6 + 1.8 U)', noiseVariance: FIGURE_EIGHT_NOISE_VARIANCE },
      dispose() {},
    };
  },
  build(data) {
    const { model, guide } = figureEightVae(data.quick ? { hidden: [20, 20] } : {});
    return { model: (b) => model(b[0]!), guide: (b) => guide(b[0]!) };
  },
};
