/**
 * Which digits make the coupled chains slow: for a few training digits (one fixed binarisation each),
 * run C-ISIR-DISIR estimates (K = 10, L = 10, beta fixed at 0.85) on a batch of copies of that one digit,
 * so every pair of chains targets the same posterior, with and without `refine`. Prints each digit's
 * mean meeting time, ISIR move rate and IWAE-1000 log-likelihood; writes <out>/per-digit.json.
 * Needs a cached pretraining checkpoint (run `npm run example:vae-meeting` first).
 *
 *   npx tsx research/cisir-vae/per-digit.ts --epochs 30 [--digits 10] [--copies 50] [--refine-steps 50] [--refined-only]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cisir, gradients, iwae, leadingAxisDatapoints, logLikelihood } from '../../src/inference/index.js';
import { ready, Stream } from '../../src/index.js';
import { binarisedBatch } from '../../examples/data/mnist.js';
import { CHECKPOINT_OPTIONS, loadCachedCheckpoint, vaeSetup } from './pretrain.js';

const { values: opts } = parseArgs({
  options: {
    ...CHECKPOINT_OPTIONS,
    digits: { type: 'string', default: '10' },
    copies: { type: 'string', default: '50' },
    'refine-steps': { type: 'string', default: '50' },
    // Only the refined proposal (skips the slow amortised runs).
    'refined-only': { type: 'boolean', default: false },
    out: { type: 'string', default: 'research/cisir-vae/results' },
  },
});
const n = (s: string | undefined): number => Number.parseInt(s!, 10);

const backend = await ready();
const { data, bias, model, guide, key } = vaeSetup(opts);
const pick = Stream.fromSeed('per-digit');
const rows = Array.from({ length: n(opts.digits) }, () => pick.int(data.train.count));
const digits = binarisedBatch(data.train, rows, pick);
await loadCachedCheckpoint(model, guide, digits, opts, key);

const copies = n(opts.copies);
const results = rows.map((row, d) => {
  const x = tf.tidy(() => tf.tile(tf.slice(digits, [d, 0], [1, 784]), [copies, 1]));
  const one = tf.slice(digits, [d, 0], [1, 784]);
  const logLik = logLikelihood(model, guide, [one], { k: 1000, seed: `digit-${d}` }).mean;
  one.dispose();
  const run = (steps: number) => {
    const estimator = cisir({ k: 10, lag: 10, beta: 0.85, adaptBeta: false, maxIterations: 1000, selectDatapoints: leadingAxisDatapoints, refine: steps > 0 ? { steps } : false });
    const r = gradients(model, guide, [x], { model: estimator, guide: iwae({ k: 10, dreg: true }), seed: `digit-${d}` });
    for (const g of Object.values(r.grads)) g.dispose();
    return {
      meetingMeanCappedAtCap: r.stats['meetingMeanCappedAtCap']!,
      meetingMax: r.stats['meetingMax']!,
      capped: r.stats['capped']!,
      isirMoveRate: r.stats['isirMoveRate']!,
    };
  };
  const describe = (r: ReturnType<typeof run>): string =>
    `${r.meetingMeanCappedAtCap.toFixed(1)} (max ${r.meetingMax}, move rate ${r.isirMoveRate.toFixed(3)}, ${r.capped} capped)`;
  const amortised = opts['refined-only'] ? undefined : run(0);
  const refined = run(n(opts['refine-steps']));
  x.dispose();
  console.log(`digit ${row} (IWAE-1000 ${logLik.toFixed(2)}): ${amortised ? `meeting ${describe(amortised)}, ` : ''}refined ${describe(refined)}`);
  return { row, logLikelihood: logLik, ...(amortised ? { amortised } : {}), refined };
});
mkdirSync(opts.out!, { recursive: true });
writeFileSync(`${opts.out}/per-digit.json`, `${JSON.stringify({ command: 'npx tsx research/cisir-vae/per-digit.ts', backend, options: opts, digits: results }, null, 2)}\n`);
digits.dispose();
bias.dispose();
tf.disposeVariables();
