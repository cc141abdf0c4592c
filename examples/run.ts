/**
 * The gallery runner: train one registered example with one estimator, evaluate its test
 * log-likelihood, and write examples/results/<name>/<estimator>.json.
 *
 *   npm run example -- ppca --estimator mlrr --r 0.6 --epochs 20 --seed 1
 *   npm run example -- list
 *
 * Options: --estimator <elbo|iwae|rws|sumo|mlss|mlrr|cisir> (those the example lists) --epochs N --seed S --batch B --lr LR
 *   --k K --r R --level L --max-level L --m M --particles P --lag L --eval-k K --quick --out DIR --quiet
 *   --optimizer <adam|amsgrad|rmsprop> --lr-decay F --lr-decay-epochs E (rate x max(1 - F e / E, 1 - F) after e epochs)
 *   --clip C, or --clip-model C --clip-guide C (gradient-norm limits)   --latent D (the image VAEs' latent size)
 *   --test-every E --test-every-k K   (a learning curve: the test log-likelihood every E epochs, IWAE-K)
 *   --validate-every E --validate-k K (keep the params that score best on the validation split, IWAE-K,
 *                                      checked after epoch 1, every E epochs and the last; test those)
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { adam, amsgrad, estimatorEntry, leadingAxisDatapoints, logLikelihood, rmsprop, svi, type EstimatorValues, type LearningRate, type Optimizer, type SviOptions } from '../src/inference/index.js';
import { clearParamStore, getParamStore, ready, RouletteError, Stream, type ParamSnapshot } from '../src/index.js';
import { imagePictures, type Pictures } from './pictures.js';
import { ESTIMATORS, registry, type EstimatorName, type GalleryData, type GalleryExample, type GalleryProgram, type Hyper, type Split } from './registry.js';
import type { EpochRecord, RunResult } from './result.js';

export interface RunConfig {
  readonly example: string;
  readonly estimator: EstimatorName;
  readonly seed: number;
  readonly quick: boolean;
  /** Hyperparameters given on the command line; the rest come from the example's defaults. */
  readonly overrides: Partial<Hyper>;
  /** Directory for <name>/<estimator>.json (default examples/results). */
  readonly out: string;
  readonly quiet: boolean;
}

export type { EpochRecord, RunResult } from './result.js';

/**
 * Which of the example's hyperparameters set which registry option. The debiased estimators' guide
 * objective is the example's `guideObjective` (else their default), not `k`.
 */
function registryValues(name: EstimatorName, h: Hyper, example: GalleryExample): EstimatorValues {
  switch (name) {
    case 'elbo':
      return { particles: h.particles };
    case 'iwae':
    case 'rws':
      return { k: h.k };
    case 'sumo':
      return { m: h.m };
    case 'mlss':
    case 'mlrr':
      return { r: h.r, level: h.level, ...(h.maxLevel !== undefined ? { 'max-level': h.maxLevel } : {}) };
    case 'cisir':
      return { k: h.k, lag: h.lag, 'plain-isir': example.cisirKernel === 'isir' };
  }
}

/** The optimiser options for one estimator name, built by the library's registry. */
export function estimatorOptions(name: EstimatorName, h: Hyper, example: GalleryExample): Pick<SviOptions, 'estimator' | 'model' | 'guide'> {
  const guide = example.guideObjective?.(h, name);
  return estimatorEntry(name).create(registryValues(name, h, example), { ...(guide ? { guide } : {}), selectDatapoints: leadingAxisDatapoints });
}

/** The run's learning rate: `lr`, or with `lrDecay` a function of the step that decays by completed epochs. */
export function learningRate(h: Hyper, stepsPerEpoch: number): LearningRate {
  const decay = h.lrDecay;
  if (decay === undefined) return h.lr;
  return (step: number) => h.lr * Math.max(1 - (decay.factor * Math.floor(step / stepsPerEpoch)) / decay.epochs, 1 - decay.factor);
}

function optimizerOf(h: Hyper, stepsPerEpoch: number): Optimizer {
  const lr = learningRate(h, stepsPerEpoch);
  return h.optimizer === 'rmsprop' ? rmsprop({ lr }) : h.optimizer === 'amsgrad' ? amsgrad({ lr }) : adam({ lr });
}

/** Test images (with reconstructions, and as many prior samples) shown on an image model's gallery page. */
const PICTURES = 24;

function shuffled(count: number, stream: Stream): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = stream.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function progress(label: string, done: number, total: number, objective: number): void {
  const width = 30;
  const filled = Math.round((width * done) / total);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} steps, objective ${objective.toFixed(3)}   `);
  if (done === total) process.stderr.write('\n');
}

/**
 * Log-likelihood per datapoint of a held-out split (the test split unless told): the IWAE-k bound, 50
 * points at a time. `split` names the randomness, so validation draws are not the test's.
 */
export function evaluate(model: GalleryProgram, guide: GalleryProgram, data: GalleryData, k: number, seed: number, split: 'test' | 'validation' = 'test'): number {
  const rows: Split = split === 'test' ? data.test : data.validation!;
  const stream = Stream.fromSeed(`${seed}-${split}-data`);
  const per = data.fullBatch ? rows.count : 50;
  let total = 0;
  for (let start = 0; start < rows.count; start += per) {
    const indices = Array.from({ length: Math.min(per, rows.count - start) }, (_, i) => start + i);
    const batch = rows.batch(indices, stream);
    const result = logLikelihood(model, guide, [batch], { k, chunk: Math.min(k, 100), seed: `${seed}-${split}-${start}` });
    // With global latents the split is one datapoint: report per observation, like training.
    total += data.fullBatch ? result.total : result.perDatapoint.reduce((a, v) => a + v, 0);
    for (const t of batch) t.dispose();
  }
  return total / rows.count;
}

/** Train `config.example` with `config.estimator`, evaluate, write the result file; returns the result (or a skip reason). */
export async function runExample(config: RunConfig): Promise<RunResult | { readonly skipped: string }> {
  const example = registry.get(config.example);
  if (!example) throw new RouletteError('invalid-argument', `unknown example '${config.example}'; known: ${[...registry.keys()].join(', ')}`, 'example');
  if (!example.estimators.includes(config.estimator)) {
    throw new RouletteError('invalid-argument', `example '${example.name}' does not support --estimator ${config.estimator}; use one of ${example.estimators.join(', ')}`, 'estimator');
  }
  const backend = await ready();
  const hyper: Hyper = { ...example.defaults, ...(config.quick ? example.quick : {}), ...config.overrides };
  const loaded = await example.load(config.seed, config.quick);
  if ('skipped' in loaded) return loaded;
  const data = loaded;
  if (hyper.validateEvery !== undefined && data.validation === undefined) {
    throw new RouletteError('invalid-argument', `example '${example.name}' has no validation split, so --validate-every cannot select params`, 'validate-every');
  }
  const start = performance.now();
  clearParamStore();
  const built = example.build(data, hyper);
  const batchSize = data.fullBatch ? data.train.count : Math.min(hyper.batch, data.train.count);
  const perEpoch = Math.floor(data.train.count / batchSize);
  const fit = svi(built.model, built.guide, {
    ...estimatorOptions(config.estimator, hyper, example),
    optimizer: optimizerOf(hyper, perEpoch),
    seed: config.seed,
    ...(hyper.clip !== undefined ? { clip: hyper.clip } : {}),
  });
  const totalSteps = perEpoch * hyper.epochs;
  const stream = Stream.fromSeed(`${config.seed}-batches`);
  const epochs: EpochRecord[] = [];
  const stepObjectives: number[] = [];
  let testingSeconds = 0; // learning-curve and validation evaluations, kept out of the training time
  let best: { readonly epoch: number; readonly validation: number; readonly params: ParamSnapshot } | undefined;
  for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
    const order = data.fullBatch ? Array.from({ length: data.train.count }, (_, i) => i) : shuffled(data.train.count, stream);
    const sums: Record<string, number> = {};
    const counts: Record<string, number> = {};
    let objective = 0;
    for (let s = 0; s < perEpoch; s++) {
      const batch = data.train.batch(order.slice(s * batchSize, (s + 1) * batchSize), stream);
      const result = fit.step(batch);
      for (const t of batch) t.dispose();
      const perDatapoint = result.logMarginal / batchSize;
      stepObjectives.push(perDatapoint);
      objective += perDatapoint;
      for (const [key, value] of Object.entries({ ...result.stats, cost: result.cost, gradNormModel: result.gradNorm.model, gradNormGuide: result.gradNorm.guide })) {
        if (!Number.isFinite(value)) continue;
        sums[key] = (sums[key] ?? 0) + value;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      if (!config.quiet) progress(`${example.name}/${config.estimator} epoch ${epoch}/${hyper.epochs}`, stepObjectives.length, totalSteps, perDatapoint);
    }
    const seconds = (performance.now() - start) / 1000 - testingSeconds;
    const testNow = hyper.testEvery !== undefined && (epoch % hyper.testEvery === 0 || epoch === 1);
    const testStart = performance.now();
    const curvePoint = testNow ? { testLogLikelihood: evaluate(built.model, built.guide, data, hyper.testEveryK ?? hyper.evalK, config.seed) } : {};
    const validateNow = hyper.validateEvery !== undefined && (epoch % hyper.validateEvery === 0 || epoch === 1 || epoch === hyper.epochs);
    const validation = validateNow ? evaluate(built.model, built.guide, data, hyper.validateK ?? hyper.evalK, config.seed, 'validation') : undefined;
    // A non-finite score is never kept (not even as the first), as the paper's trainer never keeps a NaN.
    if (validation !== undefined && Number.isFinite(validation) && (best === undefined || validation > best.validation)) {
      best = { epoch, validation, params: getParamStore().snapshot() };
    }
    testingSeconds += (performance.now() - testStart) / 1000;
    epochs.push({
      epoch,
      objective: objective / perEpoch,
      seconds,
      steps: perEpoch,
      stats: Object.fromEntries(Object.keys(sums).map((key) => [key, sums[key]! / counts[key]!])),
      ...curvePoint,
      ...(validation !== undefined ? { validationLogLikelihood: validation } : {}),
    });
  }
  const trainSeconds = (performance.now() - start) / 1000 - testingSeconds;
  // Test the params that validated best (the paper's best_valid checkpoint), not the last epoch's.
  if (best) getParamStore().restore(best.params);
  const testLogLikelihood = evaluate(built.model, built.guide, data, hyper.evalK, config.seed);
  const exact = example.exactTestLogLikelihood?.(data);
  const pictures = example.images ? imagePictures(built, data.test, example.images, PICTURES, config.seed) : undefined;
  const total = (performance.now() - start) / 1000 - testingSeconds;
  const result: RunResult = {
    example: example.name,
    estimator: config.estimator,
    backend,
    config: { ...hyper, seed: config.seed, quick: config.quick, ...(config.estimator === 'cisir' ? { cisirKernel: example.cisirKernel ?? 'isir-disir' } : {}) },
    data: { ...data.info, batch: batchSize, stepsPerEpoch: perEpoch },
    epochs,
    stepObjectives,
    testLogLikelihood,
    ...(best ? { selected: { epoch: best.epoch, validationLogLikelihood: best.validation } } : {}),
    ...(exact !== undefined ? { exactTestLogLikelihood: exact } : {}),
    seconds: { train: trainSeconds, evaluate: total - trainSeconds, total },
    stepsPerSecond: totalSteps / trainSeconds,
    finishedAt: new Date().toISOString(),
  };
  for (const t of built.owned ?? []) t.dispose();
  data.dispose();
  clearParamStore();
  const dir = join(config.out, example.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${config.estimator}.json`), `${JSON.stringify(result, null, 2)}\n`);
  if (pictures) {
    const file: Pictures = { example: example.name, estimator: config.estimator, ...pictures };
    writeFileSync(join(dir, `${config.estimator}.pictures.json`), `${JSON.stringify(file)}\n`);
  }
  return result;
}

const NUMBER_OPTIONS = ['epochs', 'batch', 'lr', 'clip', 'k', 'r', 'level', 'max-level', 'm', 'particles', 'lag', 'eval-k', 'test-every', 'test-every-k', 'validate-every', 'validate-k', 'latent'] as const;
/** Number options gathered into one Hyper entry: [command-line name, entry, its key]. */
const GROUPED_OPTIONS = [
  ['clip-model', 'clip', 'model'],
  ['clip-guide', 'clip', 'guide'],
  ['lr-decay', 'lrDecay', 'factor'],
  ['lr-decay-epochs', 'lrDecay', 'epochs'],
] as const;
/** Command-line names of the options whose Hyper names differ. */
const HYPER_NAMES: Readonly<Record<string, keyof Hyper>> = {
  'max-level': 'maxLevel',
  'eval-k': 'evalK',
  'test-every': 'testEvery',
  'test-every-k': 'testEveryK',
  'validate-every': 'validateEvery',
  'validate-k': 'validateK',
};

/** Parse the command line (`name --estimator e ...`) into a RunConfig. */
export function parseRunArgs(argv: readonly string[]): RunConfig {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      estimator: { type: 'string', default: 'elbo' },
      seed: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      out: { type: 'string', default: 'examples/results' },
      optimizer: { type: 'string' },
      ...Object.fromEntries([...NUMBER_OPTIONS, ...GROUPED_OPTIONS.map(([o]) => o)].map((o) => [o, { type: 'string' as const }])),
    },
  });
  const name = positionals[0];
  if (!name) throw new RouletteError('invalid-argument', `give an example name: ${[...registry.keys()].join(', ')}`, 'example');
  const estimator = String(values.estimator);
  if (!(ESTIMATORS as readonly string[]).includes(estimator)) throw new RouletteError('invalid-argument', `--estimator must be one of ${ESTIMATORS.join(', ')}, got '${estimator}'`, 'estimator');
  const overrides: Record<string, number | string | Record<string, number>> = {};
  const numberOf = (option: string): number | undefined => {
    const raw = (values as Record<string, string | boolean | undefined>)[option];
    if (typeof raw !== 'string') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new RouletteError('invalid-argument', `--${option} must be a number, got '${raw}'`, option);
    return value;
  };
  for (const option of NUMBER_OPTIONS) {
    const value = numberOf(option);
    if (value !== undefined) overrides[HYPER_NAMES[option] ?? option] = value;
  }
  for (const [option, entry, key] of GROUPED_OPTIONS) {
    const value = numberOf(option);
    if (value === undefined) continue;
    if (typeof overrides[entry] === 'number') throw new RouletteError('invalid-argument', `give --clip or --clip-model/--clip-guide, not both`, option);
    overrides[entry] = { ...(overrides[entry] as Record<string, number> | undefined), [key]: value };
  }
  const decay = overrides['lrDecay'] as { factor?: number; epochs?: number } | undefined;
  if (decay !== undefined && (decay.factor === undefined || decay.epochs === undefined || !(decay.factor > 0 && decay.factor < 1) || !(decay.epochs > 0))) {
    throw new RouletteError('invalid-argument', `--lr-decay F needs --lr-decay-epochs E, with 0 < F < 1 and E > 0 (Shi & Cornish: --lr-decay 0.9 --lr-decay-epochs 3280)`, 'lr-decay');
  }
  if (values.optimizer !== undefined) {
    if (values.optimizer !== 'adam' && values.optimizer !== 'rmsprop' && values.optimizer !== 'amsgrad') throw new RouletteError('invalid-argument', `--optimizer must be adam, amsgrad or rmsprop`, 'optimizer');
    overrides['optimizer'] = values.optimizer;
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new RouletteError('invalid-argument', `--seed must be an integer, got '${values.seed}'`, 'seed');
  return {
    example: name,
    estimator: estimator as EstimatorName,
    seed,
    quick: values.quick === true,
    overrides: overrides as Partial<Hyper>,
    out: String(values.out),
    quiet: values.quiet === true,
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'list') {
    for (const e of registry.values()) console.log(`${e.name.padEnd(24)} ${e.estimators.join(',').padEnd(32)} ${e.description}`);
    return;
  }
  const config = parseRunArgs(process.argv.slice(2));
  const result = await runExample(config);
  if ('skipped' in result) {
    console.log(`skipped ${config.example}: ${result.skipped}`);
    return;
  }
  const last = result.epochs[result.epochs.length - 1]!;
  console.log(
    `${result.example}/${result.estimator}: final train objective ${last.objective.toFixed(4)}, test log-likelihood (IWAE-${result.config.evalK}) ${result.testLogLikelihood.toFixed(4)}` +
      (result.exactTestLogLikelihood !== undefined ? `, exact ${result.exactTestLogLikelihood.toFixed(4)}` : '') +
      `; ${result.stepsPerSecond.toFixed(2)} steps/s, ${result.seconds.total.toFixed(1)} s -> ${join(config.out, result.example, `${result.estimator}.json`)}`,
  );
  tf.disposeVariables();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
