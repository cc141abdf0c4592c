import * as tf from '@tensorflow/tfjs';
import type { DataRecord } from '../../dsl/lang/data-spec.js';
import type { ProgramInfo } from '../../dsl/lang/program-info.js';
import { adam, svi, type StepResult, type Svi } from '../../inference/index.js';
import { ready } from '../../runtime/backend.js';
import { getParamStore } from '../../runtime/param-store.js';
import { loadData, parseDataArgument } from '../data/load.js';
import { allEstimatorFlags, ESTIMATORS, type FlagValues } from '../estimators.js';
import { loadProgram } from '../program-file.js';
import { formatSeconds, Progress } from '../progress.js';
import { printWarnings, programWarnings } from '../warnings.js';
import { CliError, numberFlag, oneFile, parseCommand, UsageError, type OptionTable, type Parsed } from '../usage.js';

function usage(): string {
  const estimators = [...ESTIMATORS.values()]
    .map((e) => `  ${e.name.padEnd(8)} ${e.summary}\n${e.flags.map((f) => `             --${f.flag}${f.type === 'boolean' ? '' : ' N'}  ${f.help}`).join('\n')}`)
    .join('\n');
  return `usage: roulette fit FILE --data PATH [--data NAME=PATH ...] [options]

Fit the params of a .ppl program (model and guide) by stochastic gradient steps.
Data: JSON ({"x": [[...]], "y": [...]}), CSV (a header names columns x or x.1, x.2, ...; without a
header the table is the one data variable), IDX or IDX.gz (MNIST's format); NAME=PATH says which
declared data a file holds. Ctrl-C stops early and still saves the params.

options:
  --data PATH         a data file (repeat for several)
  --estimator NAME    ${[...ESTIMATORS.keys()].join(', ')} (default elbo)
  --steps N           optimisation steps (default 1000)
  --batch B           minibatch size: subsample the data plate (default: all the data)
  --lr X              Adam learning rate (default 0.001)
  --clip X            clip each group's gradient norm to X
  --seed S            seed of every random number (default 0)
  --init PATH         start from params saved by an earlier fit
  --out PATH          where to save the params (default params.json)
  --binarize          threshold data declared bool at half their maximum (grey levels to 0/1)
  --allow-unused-data fit even though some declared data is never used (an error otherwise: a
                      misspelt observation would fit the prior)
  --guide auto:F      use an automatic guide (F: normal, multivariateNormal, delta, flow) instead of
                      the file's guide block (a file without one gets auto:normal)
  --json              print a JSON summary on stdout (no progress bar; warnings in its 'warnings')
  --quiet             no progress output
  --help              show this help

estimators and their options:
${estimators}`;
}

const BASE_OPTIONS: OptionTable = {
  data: { type: 'string', multiple: true },
  estimator: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  clip: { type: 'string' },
  seed: { type: 'string' },
  init: { type: 'string' },
  out: { type: 'string' },
  binarize: { type: 'boolean' },
  'allow-unused-data': { type: 'boolean' },
  guide: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function optionTable(): OptionTable {
  const table: OptionTable = { ...BASE_OPTIONS };
  for (const f of allEstimatorFlags()) table[f.flag] = { type: f.type === 'boolean' ? 'boolean' : 'string' };
  return table;
}

/** The chosen estimator's flags, parsed; a flag it does not read is a usage error naming its flags. */
function estimatorFlags(name: string, values: Parsed['values'], text: string): FlagValues {
  const entry = ESTIMATORS.get(name)!;
  const own = new Set(entry.flags.map((f) => f.flag));
  const parsed: Record<string, number | boolean | undefined> = {};
  for (const f of allEstimatorFlags()) {
    if (values[f.flag] === undefined) continue;
    if (!own.has(f.flag)) {
      throw new UsageError(`--${f.flag} is not an option of ${name} (its options: ${entry.flags.map((g) => `--${g.flag}`).join(', ') || 'none'})`, text);
    }
  }
  for (const f of entry.flags) {
    parsed[f.flag] = f.type === 'boolean' ? (values[f.flag] as boolean | undefined) : numberFlag(values, f.flag, text, f.type);
  }
  return parsed;
}

/** `roulette fit FILE --data PATH ...`: SVI with the chosen estimator, params saved to --out. */
export async function fitCommand(argv: readonly string[]): Promise<number> {
  const text = usage();
  const { values, positionals } = parseCommand(argv, optionTable(), text);
  if (values['help']) {
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const file = oneFile(positionals, text);
  const estimatorName = (values['estimator'] as string | undefined) ?? 'elbo';
  const entry = ESTIMATORS.get(estimatorName);
  if (!entry) throw new UsageError(`unknown estimator '${estimatorName}'; use one of ${[...ESTIMATORS.keys()].join(', ')}`, text);
  const flags = estimatorFlags(estimatorName, values, text);
  const steps = numberFlag(values, 'steps', text, 'integer', 1000);
  const batch = numberFlag(values, 'batch', text, 'integer');
  const lr = numberFlag(values, 'lr', text, 'number', 1e-3);
  const clip = numberFlag(values, 'clip', text, 'number');
  const seed = numberFlag(values, 'seed', text, 'integer', 0);
  const out = (values['out'] as string | undefined) ?? 'params.json';
  const dataArgs = (values['data'] as string[] | undefined) ?? [];
  if (dataArgs.length === 0) throw new UsageError('give the data with --data PATH', text);
  if (steps < 1) throw new UsageError('--steps must be at least 1', text);
  if (batch !== undefined && batch < 1) throw new UsageError('--batch must be at least 1', text);
  const json = values['json'] === true;
  const quiet = values['quiet'] === true || json;

  await ready();
  const guideSpec = values['guide'];
  const allowUnusedData = values['allow-unused-data'] === true;
  const { text: source, compiled } = await loadProgram(file, { ...(batch === undefined ? {} : { batch }), allowUnusedData }, typeof guideSpec === 'string' ? guideSpec : undefined);
  if (batch !== undefined && ![...compiled.info.plates.values()].some((p) => p.parent === undefined)) {
    throw new CliError(`${file}: --batch subsamples the data plate, and the model has no plate`);
  }
  const data = await loadData(dataArgs.map(parseDataArgument), compiled.dataSpec, { binarize: values['binarize'] === true });
  // Warnings go to stderr in every mode but --quiet (a --json run too), and into the JSON summary.
  const warnings = [...programWarnings(file, compiled.warnings), ...data.warnings];
  if (values['quiet'] !== true) printWarnings(source, file, compiled.warnings, data.warnings);
  if (!quiet) for (const note of data.notes) process.stderr.write(`note: ${note}\n`);
  const store = getParamStore();
  if (values['init']) await store.load(values['init'] as string);

  const fit = svi(compiled.model, compiled.guide, {
    ...entry.create(flags),
    optimizer: adam({ lr }),
    seed,
    ...(clip === undefined ? {} : { clip }),
    // Why a structure stays uncompiled is worth a line in the progress output, not in quiet or JSON runs.
    onCompileNote: (note) => {
      if (!quiet) process.stderr.write(`note: ${note}\n`);
    },
  });
  const datapoints = datapointCount(compiled.info, compiled.dataSpec.bind(data.tensors));
  const start = performance.now();
  let run: Run;
  try {
    run = await train(fit, data.tensors, steps, quiet ? undefined : new Progress(steps, process.stderr, 'fit'), datapoints);
  } finally {
    for (const t of Object.values(data.tensors)) t.dispose();
  }
  if (run.failure) {
    // Keep what was learnt before the failure (a non-finite step is not applied).
    if (run.done > 0) {
      await store.save(out);
      process.stderr.write(`params after ${run.done} steps saved to ${out}\n`);
    }
    throw run.failure;
  }
  await store.save(out);
  const seconds = (performance.now() - start) / 1000;
  const objective = mean(run.recent);
  const perDatapoint = datapoints === undefined ? undefined : objective / datapoints;
  if (json) {
    const { done: steps, interrupted, last } = run;
    const summary = { file, estimator: estimatorName, steps, interrupted, loss: last?.loss ?? null, objective, perDatapoint: perDatapoint ?? null, seconds, params: out, stats: last?.stats ?? {}, warnings };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const how = run.interrupted ? `interrupted after ${run.done} of ${steps} steps` : `${run.done} steps`;
    const per = perDatapoint === undefined ? '' : ` (${perDatapoint.toFixed(3)} per datapoint)`;
    process.stdout.write(`${file}: ${how} of ${estimatorName} in ${formatSeconds(seconds)}; objective ${objective.toFixed(3)}${per}, mean of the last ${run.recent.length} steps; params saved to ${out}\n`);
  }
  return run.interrupted ? 130 : 0;
}

interface Run {
  readonly done: number;
  readonly interrupted: boolean;
  readonly last: StepResult | undefined;
  /** The objective of the last steps (up to 50). */
  readonly recent: readonly number[];
  readonly failure: unknown;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * The optimisation loop. It yields to the event loop after every step so that Ctrl-C (SIGINT) is
 * seen: the first stops the loop after the current step (the caller saves the params), a second
 * one exits at once.
 */
async function train(fit: Svi<[DataRecord]>, data: DataRecord, steps: number, progress: Progress | undefined, datapoints: number | undefined): Promise<Run> {
  let interrupted = false;
  const onInterrupt = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onInterrupt);
  const recent: number[] = [];
  let last: StepResult | undefined;
  let done = 0;
  let failure: unknown;
  try {
    for (let step = 1; step <= steps && !interrupted; step++) {
      tf.tidy(() => {
        last = fit.step(data);
      });
      done = step;
      recent.push(last!.logMarginal);
      if (recent.length > 50) recent.shift();
      progress?.update(step, progressFields(last!, recent, datapoints));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (cause) {
    failure = cause;
  } finally {
    process.off('SIGINT', onInterrupt);
    progress?.finish();
  }
  return { done, interrupted, last, recent, failure };
}

/** The data plate's size: estimates are for the whole data set, and per datapoint they read better. */
function datapointCount(info: ProgramInfo, sizes: Readonly<Record<string, number>>): number | undefined {
  const top = [...info.plates.values()].filter((p) => p.parent === undefined);
  if (top.length !== 1) return undefined;
  const size = top[0]!.size;
  return typeof size === 'number' ? size : typeof size === 'string' ? sizes[size] : undefined;
}

function progressFields(r: StepResult, recent: readonly number[], datapoints: number | undefined): Record<string, string> {
  const fields: Record<string, string> = { loss: r.loss.toFixed(3), objective: mean(recent).toFixed(3) };
  if (datapoints !== undefined) fields['per datapoint'] = (mean(recent) / datapoints).toFixed(3);
  for (const [k, v] of Object.entries(r.stats)) fields[k] = Number.isInteger(v) ? String(v) : v.toFixed(3);
  return fields;
}
