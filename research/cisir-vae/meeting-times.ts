/**
 * How the coupled chains' meeting times depend on the guide: pretrain the VAE with IWAE-10 (guide by
 * IWAE-DReG), and after each checkpoint run C-ISIR-DISIR and plain C-ISIR (--kernels) estimates,
 * K = 10, L = 10, on the same training minibatches without updating anything. Writes
 * <out>/meeting-times.json. Checkpoints are cached (see pretrain.ts), so `cisir.ts --pretrained-epochs N`
 * can fine-tune from one without training again.
 *
 *   npm run example:vae-meeting -- --train 8000 --checkpoints 30,100,200,300 --batches 8
 *   npm run example:vae-meeting -- --checkpoints 30 --kernels isir-disir --beta 0.3 --fixed-beta
 *   npm run example:vae-meeting -- --checkpoints 30,100 --refine-steps 0,50   # with and without cisir's refine
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cisir, gradients, iwae, leadingAxisDatapoints, type CisirKernel } from '../../src/inference/index.js';
import { ready, Stream } from '../../src/index.js';
import { binarisedBatch } from '../../examples/data/mnist.js';
import { pretrainWithCheckpoints, refineGuide, VAE_OPTIONS, vaeSetup, type GuideObjective } from './pretrain.js';
import { testLogLikelihood } from './train.js';

const { values: opts } = parseArgs({
  options: {
    ...VAE_OPTIONS,
    train: { type: 'string', default: '8000' },
    test: { type: 'string', default: '2000' },
    checkpoints: { type: 'string', default: '30,100,200,300' },
    batches: { type: 'string', default: '8' },
    k: { type: 'string', default: '5000' },
    beta: { type: 'string', default: '0.85' },
    kernels: { type: 'string', default: 'isir-disir,isir' },
    'fixed-beta': { type: 'boolean', default: false },
    'guide-epochs': { type: 'string', default: '0' },
    'guide-k': { type: 'string', default: '10' },
    'guide-objective': { type: 'string', default: 'iwae' },
    'guide-lr': { type: 'string', default: '1e-3' },
    'refine-steps': { type: 'string', default: '0' },
    'refine-k': { type: 'string', default: '10' },
    'refine-lr': { type: 'string', default: '0.05' },
    'max-iterations': { type: 'string', default: '1000' },
    out: { type: 'string', default: 'research/cisir-vae/results' },
  },
});
const n = (s: string | undefined): number => Number.parseInt(s!, 10);

interface KernelReport {
  estimates: number;
  pairs: number;
  capped: number;
  /** Mean over the pairs that met. */
  meetingMean: number;
  /** Mean with capped pairs counted at the cap (a lower bound on the uncapped mean). */
  meetingMeanCappedAtCap: number;
  meetingMax: number;
  histogram: Record<string, number>;
  betaFinal: number;
  ess: number;
  /** How often an ISIR step of the first chain moved to a fresh particle. */
  isirMoveRate: number;
  secondsPerEstimate: number;
}

async function main(): Promise<void> {
  const backend = await ready();
  const { data, bias, model, guide, key } = vaeSetup(opts);
  const batch = n(opts.batch);
  const cap = n(opts['max-iterations']);
  // Each kernel once per --refine-steps value: 0 runs the chains on the amortised guide, S > 0 refines
  // the proposal per datapoint first with S steps (cisir's `refine`).
  const variants = (opts.kernels!.split(',') as CisirKernel[]).flatMap((kernel) =>
    opts['refine-steps']!.split(',').map((s) => {
      const steps = n(s);
      return { kernel, label: steps > 0 ? `${kernel} + refine ${steps}` : kernel, refine: steps > 0 ? { steps, k: n(opts['refine-k']), lr: Number(opts['refine-lr']) } : false };
    }),
  );
  const checkpoints = opts.checkpoints!.split(',').map((s) => n(s));
  // The same minibatches (and binarisations) at every checkpoint.
  const probeStream = Stream.fromSeed('probe');
  const batches = Array.from({ length: n(opts.batches) }, () =>
    Array.from({ length: batch }, () => probeStream.int(data.train.count)),
  );
  const results: unknown[] = [];
  const write = (): void => {
    mkdirSync(opts.out!, { recursive: true });
    writeFileSync(`${opts.out}/meeting-times.json`, `${JSON.stringify({ command: 'npm run example:vae-meeting', backend, options: opts, checkpoints: results }, null, 2)}\n`);
  };

  await pretrainWithCheckpoints(model, guide, data.train, { checkpoints, batch, seed: n(opts.seed), cache: opts.cache, key }, (epochs) => {
    if (n(opts['guide-epochs']) > 0) refineGuide(model, guide, data.train, { epochs: n(opts['guide-epochs']), batch, seed: n(opts.seed), k: n(opts['guide-k']), objective: opts['guide-objective'] as GuideObjective, lr: Number(opts['guide-lr']) });
    const kernels: Record<string, KernelReport> = {};
    for (const { kernel, label, refine } of variants) {
      const estimator = cisir({ k: 10, lag: 10, kernel, beta: Number(opts.beta), adaptBeta: !opts['fixed-beta'], maxIterations: cap, selectDatapoints: leadingAxisDatapoints, refine });
      const binarise = Stream.fromSeed('probe-binarise');
      const report: KernelReport = {
        estimates: 0, pairs: 0, capped: 0, meetingMean: 0, meetingMeanCappedAtCap: 0, meetingMax: 0,
        histogram: {}, betaFinal: 0, ess: 0, isirMoveRate: 0, secondsPerEstimate: 0,
      };
      let metSum = 0;
      const start = performance.now();
      batches.forEach((rows, i) => {
        const x = binarisedBatch(data.train, rows, binarise);
        const result = gradients(model, guide, [x], { model: estimator, guide: iwae({ k: 10, dreg: true }), seed: `probe-${i}` });
        for (const g of Object.values(result.grads)) g.dispose();
        x.dispose();
        const s = result.stats;
        const met = batch - s['capped']!;
        report.estimates++;
        report.pairs += batch;
        report.capped += s['capped']!;
        metSum += met * s['meetingMean']!;
        report.meetingMax = Math.max(report.meetingMax, s['meetingMax']!);
        report.ess += s['ess'] ?? NaN;
        report.isirMoveRate += s['isirMoveRate']!;
        for (const [key, v] of Object.entries(s)) if (key.startsWith('meetingLe') || key.startsWith('meetingGt')) report.histogram[key] = (report.histogram[key] ?? 0) + v;
      });
      report.secondsPerEstimate = (performance.now() - start) / 1000 / report.estimates;
      report.meetingMean = metSum / (report.pairs - report.capped);
      report.meetingMeanCappedAtCap = (metSum + report.capped * cap) / report.pairs;
      report.ess /= report.estimates;
      report.isirMoveRate /= report.estimates;
      report.betaFinal = estimator.beta;
      kernels[label] = report;
      console.log(
        `epoch ${epochs}, ${label}: mean meeting time ${report.meetingMean.toFixed(1)} over met pairs ` +
          `(${report.meetingMeanCappedAtCap.toFixed(1)} counting ${report.capped} capped pairs of ${report.pairs} at ${cap}), ` +
          `max ${report.meetingMax}, ${report.secondsPerEstimate.toFixed(1)} s/estimate, DISIR ESS ${report.ess.toFixed(2)}, beta ${report.betaFinal.toFixed(2)}, ISIR move rate ${report.isirMoveRate.toFixed(2)}`,
      );
    }
    // --k 0 skips the evaluation.
    const testLL = n(opts.k) > 0 ? testLogLikelihood(model, guide, data.test, n(opts.k), `checkpoint-${epochs}`) : NaN;
    if (n(opts.k) > 0) console.log(`epoch ${epochs}: test log-likelihood ${testLL.toFixed(2)} (IWAE-${opts.k})`);
    results.push({ epochs, testLogLikelihood: testLL, kernels });
    write();
  });
  bias.dispose();
  tf.disposeVariables();
}

await main();
