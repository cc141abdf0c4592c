/**
 * Ruiz et al.'s experiment at small scale: train a VAE with IWAE, then either continue with IWAE or
 * fine-tune the decoder (theta) with coupled ISIR-DISIR gradients (K = 10, L = 10), the guide still by
 * IWAE-DReG, for the same number of epochs. Reports test log-likelihood (IWAE-5000), meeting times and
 * the wall-clock cost per step. Writes research/cisir-vae/results/cisir.json.
 *
 *   npm run example:vae-cisir -- --train 1000 --test 100 --epochs 20 --finetune 5 [--max-iterations 2000] [--t0 20 --window 30]
 *     [--chain-k 30] [--refine-steps 50 --refine-inflate 1.2] [--eval-refine-steps 50]
 *   npm run example:vae-cisir -- --data fashion-mnist --out research/cisir-vae/results/fashion-mnist   # after npm run data:fashion-mnist
 *
 * With a poorly trained guide the importance weights are degenerate and ISIR chains stick to their
 * kept particle, so meeting times are heavy-tailed; --max-iterations caps them (and biases the
 * estimate: the stats count how often).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adam, cisir, iwae, leadingAxisDatapoints, svi, type Estimator } from '../../src/inference/index.js';
import { getParamStore, ready, Stream } from '../../src/index.js';
import { pretrainWithCheckpoints, VAE_OPTIONS, vaeSetup } from './pretrain.js';
import { testLogLikelihood, trainEpochs, type EpochReport } from './train.js';

const { values: opts } = parseArgs({
  options: {
    ...VAE_OPTIONS,
    train: { type: 'string', default: '1000' },
    test: { type: 'string', default: '100' },
    epochs: { type: 'string', default: '20' },
    finetune: { type: 'string', default: '5' },
    k: { type: 'string', default: '5000' },
    'max-iterations': { type: 'string', default: '2000' },
    out: { type: 'string', default: 'research/cisir-vae/results' },
    lr: { type: 'string', default: '1e-3' },
    // The estimator's burn-in and averaging window (defaults: Ruiz et al.'s t0 = 1, window = L = 10).
    t0: { type: 'string', default: '1' },
    // Particles per chain state (K); the guide is still trained by IWAE-10-DReG.
    'chain-k': { type: 'string', default: '10' },
    window: { type: 'string', default: '10' },
    // > 0: cisir refines each minibatch's proposal per datapoint with this many steps first (its `refine`).
    'refine-steps': { type: 'string', default: '0' },
    // The fine-tuning's randomness (minibatch order, binarisation, estimator draws): vary it to see the
    // spread between runs.
    'finetune-seed': { type: 'string', default: 'finetune' },
    // Run the IWAE branch only (for that spread).
    'iwae-only': { type: 'boolean', default: false },
    // Widen the refined proposal's scales by this factor (refine's `inflate`).
    'refine-inflate': { type: 'string', default: '1' },
    // > 0: also report the test log-likelihood with each test image's proposal refined first (a tighter bound).
    'eval-refine-steps': { type: 'string', default: '0' },
  },
});
const n = (s: string | undefined): number => Number.parseInt(s!, 10);

async function main(): Promise<void> {
  const backend = await ready();
  const { data, bias, model, guide, key } = vaeSetup(opts);
  const batch = n(opts.batch);
  const guideObjective = (): Estimator => iwae({ k: 10, dreg: true });

  // IWAE-10 pretraining (guide by IWAE-DReG), or its cached checkpoint (see pretrain.ts).
  const cacheKey = { checkpoints: [n(opts.epochs)], batch, seed: n(opts.seed), cache: opts.cache, key };
  await pretrainWithCheckpoints(model, guide, data.train, cacheKey, () => undefined);
  const snapshot = getParamStore().snapshot();
  const evalRefine = n(opts['eval-refine-steps']) > 0 ? { steps: n(opts['eval-refine-steps']) } : false;
  // Both bounds: the guide's own proposal, and (with --eval-refine-steps) a per-image refined one.
  const evaluate = (label: string, seed: string): { testLogLikelihood: number; testLogLikelihoodRefined?: number } => {
    const plain = testLogLikelihood(model, guide, data.test, n(opts.k), seed);
    const refined = evalRefine ? testLogLikelihood(model, guide, data.test, n(opts.k), seed, evalRefine) : undefined;
    console.log(`${label}: test log-likelihood ${plain.toFixed(2)}${refined === undefined ? '' : `, ${refined.toFixed(2)} with refined proposals`}`);
    return refined === undefined ? { testLogLikelihood: plain } : { testLogLikelihood: plain, testLogLikelihoodRefined: refined };
  };
  const afterPretraining = evaluate('after pretraining', 'pretrained');

  const branches: Record<string, { reports: EpochReport[]; testLogLikelihood: number; testLogLikelihoodRefined?: number; secondsPerStep: number }> = {};
  const finetuneSeed = opts['finetune-seed']!;
  for (const [name, modelEstimator] of [
    ['continue iwae-10', iwae({ k: 10 })],
    ...(opts['iwae-only'] ? [] : [['c-isir-disir', cisir({ k: n(opts['chain-k']), lag: 10, t0: n(opts.t0), window: n(opts.window), maxIterations: n(opts['max-iterations']), selectDatapoints: leadingAxisDatapoints, refine: n(opts['refine-steps']) > 0 ? { steps: n(opts['refine-steps']), inflate: Number(opts['refine-inflate']) } : false })] as const]),
  ] as const) {
    getParamStore().restore(snapshot);
    const fit = svi(model, guide, { model: modelEstimator, guide: guideObjective(), optimizer: adam({ lr: Number(opts.lr) }), seed: `${opts.seed}-${finetuneSeed}` });
    const reports = trainEpochs(fit, data.train, { epochs: n(opts.finetune), batch, stream: Stream.fromSeed(finetuneSeed), label: name });
    const steps = n(opts.finetune) * Math.floor(data.train.count / batch);
    branches[name] = {
      reports,
      ...evaluate(`${name}, finetuned`, 'finetuned'),
      secondsPerStep: reports[reports.length - 1]!.seconds / steps,
    };
    const stats = reports[reports.length - 1]!.stats;
    console.log(`${name}: ${branches[name]!.secondsPerStep.toFixed(2)} s/step` +
      (stats['meetingMean'] !== undefined
        ? `, mean meeting time ${stats['meetingMean'].toFixed(1)} (max ${stats['meetingMax']?.toFixed(0)}), beta ${stats['beta']?.toFixed(2)}, pairs capped per step ${stats['capped']?.toFixed(2)}`
        : ''));
  }
  const coupled = branches['c-isir-disir'];
  const ratio = coupled ? coupled.secondsPerStep / branches['continue iwae-10']!.secondsPerStep : null;
  if (ratio !== null) console.log(`wall-clock cost per step, C-ISIR-DISIR / IWAE: ${ratio.toFixed(1)}x`);
  mkdirSync(opts.out!, { recursive: true });
  writeFileSync(
    `${opts.out}/cisir.json`,
    `${JSON.stringify({ command: 'npm run example:vae-cisir', backend, options: opts, afterPretraining: afterPretraining.testLogLikelihood, afterPretrainingRefined: afterPretraining.testLogLikelihoodRefined, branches, costRatioPerStep: ratio }, null, 2)}\n`,
  );
  bias.dispose();
  tf.disposeVariables();
}

await main();
