import type * as tf from '@tensorflow/tfjs';
import type { DataRecord } from '../../dsl/lang/data-spec.js';
import type { ProgramInfo } from '../../dsl/lang/program-info.js';
import { adam, loadParamsFor, schedules, svi, type LearningRate, type LoadedParams, type StepResult, type Svi } from '../../inference/index.js';
import type { EarlyStoppingOptions } from '../../inference/early-stopping.js';
import { ready } from '../../runtime/backend.js';
import { RouletteError } from '../../runtime/errors.js';
import { checkSaveTarget } from '../../runtime/param-io.js';
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
declared data a file holds. Ctrl-C (SIGINT; or SIGTERM) stops after the current step and still saves
the params (exit code 130; 143 for SIGTERM). On a terminal a progress line, fitted to its width, shows
the loss and the estimator's statistics; elsewhere (a log, a pipe) one line says the fit started.

options:
  --data PATH         a data file (repeat for several)
  --estimator NAME    ${[...ESTIMATORS.keys()].join(', ')} (default elbo)
  --steps N           optimisation steps (default 1000)
  --batch B           minibatch size: subsample the data plate (default: all the data)
  --lr X              Adam learning rate (default 0.001)
  --lr-schedule S     constant (default); exponential:RATE:STEPS (lr * RATE^(step/STEPS));
                      cosine[:STEPS[:LRMIN]] (lr to LRMIN, default 0, over STEPS steps, default up to
                      the last step of this run); warmup:STEPS (linear from 0 over STEPS, then lr)
  --patience N        stop early once the mean objective of the last --stop-window steps (default
                      20) has not risen by more than --min-delta (default 0) for N steps
  --min-delta X       see --patience
  --stop-window N     see --patience
  --clip X            clip each group's gradient norm to X
  --seed S            seed of every random number (default 0)
  --init PATH         start from params saved by an earlier fit: those of this program (same name
                      and shape) are loaded and the others listed; a file of this program resumes
                      the fit where it stopped (Adam's moments, the step count, the seed's streams)
  --out PATH          where to save the params (default params.json; a symbolic link is written
                      through; a directory, device or FIFO is refused)
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
  'lr-schedule': { type: 'string' },
  patience: { type: 'string' },
  'min-delta': { type: 'string' },
  'stop-window': { type: 'string' },
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
  const stopping = earlyStopping(values, text);
  const scheduleSpec = values['lr-schedule'] as string | undefined;
  scheduleFor(scheduleSpec, lr, 0, steps, text); // a bad --lr-schedule is a usage error before any work
  // Signals first: from here on Ctrl-C stops cleanly (before the first step: nothing to save).
  const interrupt = new Interrupt();
  try {
    return await fitWith({ file, values, text, estimatorName, entry, flags, steps, batch, lr, clip, seed, out, dataArgs, json, quiet, stopping, scheduleSpec, interrupt });
  } finally {
    interrupt.dispose();
  }
}

/**
 * Ctrl-C (SIGINT) or SIGTERM: the first stops the fit after the current step, a second exits at once.
 * Also the parent process going away: `kill <pid of npx>` (SIGTERM) ends npm and the `sh -c` it runs
 * the command in, but not this process, which would otherwise fit on, orphaned, and never save.
 */
class Interrupt {
  readonly controller = new AbortController();
  signal: 'SIGINT' | 'SIGTERM' | 'parent-exit' | undefined;
  readonly #handlers = new Map<NodeJS.Signals, () => void>();
  readonly #watch: ReturnType<typeof setInterval>;

  constructor() {
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      const handler = (): void => {
        if (this.signal) process.exit(this.code);
        this.#stop(name);
      };
      this.#handlers.set(name, handler);
      process.on(name, handler);
    }
    const parent = process.ppid;
    this.#watch = setInterval(() => {
      if (process.ppid !== parent && !this.signal) this.#stop('parent-exit');
    }, 500);
    this.#watch.unref();
  }

  #stop(why: NonNullable<Interrupt['signal']>): void {
    this.signal = why;
    this.controller.abort();
  }

  get code(): number {
    return this.signal === 'SIGTERM' ? 143 : this.signal === 'parent-exit' ? 129 : 130;
  }

  dispose(): void {
    for (const [name, handler] of this.#handlers) process.off(name, handler);
    clearInterval(this.#watch);
  }
}

/** --patience, --min-delta, --stop-window (not --window: cisir has one). */
function earlyStopping(values: Parsed['values'], text: string): EarlyStoppingOptions | undefined {
  const patience = numberFlag(values, 'patience', text, 'integer');
  const minDelta = numberFlag(values, 'min-delta', text, 'number');
  const window = numberFlag(values, 'stop-window', text, 'integer');
  if (patience === undefined) {
    if (minDelta !== undefined || window !== undefined) throw new UsageError('--min-delta and --stop-window tune early stopping: give --patience N too', text);
    return undefined;
  }
  if (patience < 1) throw new UsageError(`--patience must be an integer >= 1, got ${patience}`, text);
  if (minDelta !== undefined && minDelta < 0) throw new UsageError(`--min-delta must be a number >= 0, got ${minDelta}`, text);
  if (window !== undefined && window < 1) throw new UsageError(`--stop-window must be an integer >= 1, got ${window}`, text);
  return { patience, ...(minDelta === undefined ? {} : { minDelta }), ...(window === undefined ? {} : { window }) };
}

/**
 * --lr-schedule as a learning rate of the optimiser's step count (which counts from 0 on a fresh fit,
 * from the saved count on a resumed one): constant, exponential:RATE:STEPS, cosine[:STEPS[:LRMIN]],
 * warmup:STEPS. The arguments are checked by src/inference/optim.ts's schedules; their errors become
 * usage errors naming --lr-schedule.
 */
export function scheduleFor(spec: string | undefined, lr: number, firstStep: number, steps: number, text: string): LearningRate {
  if (spec === undefined || spec === 'constant') return lr;
  const [name, ...rest] = spec.split(':');
  const args = rest.map((a) => {
    const n = Number(a);
    if (a.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--lr-schedule ${spec}: '${a}' is not a number`, text);
    return n;
  });
  const arity = (lo: number, hi: number, form: string): void => {
    if (args.length < lo || args.length > hi) throw new UsageError(`--lr-schedule ${spec}: expected ${form}`, text);
  };
  try {
    switch (name) {
      case 'exponential':
        arity(2, 2, 'exponential:RATE:STEPS');
        return schedules.exponentialDecay(lr, args[0]!, args[1]!);
      case 'cosine':
        arity(0, 2, 'cosine[:STEPS[:LRMIN]]');
        return schedules.cosine(lr, args[0] ?? firstStep + steps, args[1] ?? 0);
      case 'warmup':
        arity(1, 1, 'warmup:STEPS');
        return schedules.warmup(lr, args[0]!);
      default:
        throw new UsageError(`--lr-schedule: unknown schedule '${name}'; use constant, exponential:RATE:STEPS, cosine[:STEPS[:LRMIN]] or warmup:STEPS`, text);
    }
  } catch (cause) {
    if (cause instanceof RouletteError) throw new UsageError(`--lr-schedule ${spec}: ${cause.message.replace(/^schedules\.\w+: /, '')}`, text);
    throw cause;
  }
}

interface FitSettings {
  readonly file: string;
  readonly values: Parsed['values'];
  readonly text: string;
  readonly estimatorName: string;
  readonly entry: NonNullable<ReturnType<typeof ESTIMATORS.get>>;
  readonly flags: FlagValues;
  readonly steps: number;
  readonly batch: number | undefined;
  readonly lr: number;
  readonly clip: number | undefined;
  readonly seed: number;
  readonly out: string;
  readonly dataArgs: readonly string[];
  readonly json: boolean;
  readonly quiet: boolean;
  readonly stopping: EarlyStoppingOptions | undefined;
  readonly scheduleSpec: string | undefined;
  readonly interrupt: Interrupt;
}

async function fitWith(settings: FitSettings): Promise<number> {
  const { file, values, text, estimatorName, entry, flags, steps, batch, lr, clip, seed, out, dataArgs, json, quiet, stopping, scheduleSpec, interrupt } = settings;
  // Refuse an --out that cannot be written before the work, not after it.
  await checkSaveTarget(out);
  await ready();
  const guideSpec = values['guide'];
  const allowUnusedData = values['allow-unused-data'] === true;
  const { text: source, compiled, guideLabel } = await loadProgram(file, { ...(batch === undefined ? {} : { batch }), allowUnusedData }, typeof guideSpec === 'string' ? guideSpec : undefined);
  if (batch !== undefined && ![...compiled.info.plates.values()].some((p) => p.parent === undefined)) {
    throw new CliError(`${file}: --batch subsamples the data plate, and the model has no plate`);
  }
  const data = await loadData(dataArgs.map(parseDataArgument), compiled.dataSpec, { binarize: values['binarize'] === true });
  // Warnings go to stderr in every mode but --quiet (a --json run too), and into the JSON summary.
  const warnings = [...programWarnings(file, compiled.warnings), ...data.warnings];
  if (values['quiet'] !== true) printWarnings(source, file, compiled.warnings, data.warnings);
  if (!quiet) for (const note of data.notes) process.stderr.write(`note: ${note}\n`);
  const store = getParamStore();
  const initFile = values['init'] as string | undefined;
  let init: LoadedParams | undefined;
  let initError: unknown;
  if (initFile) {
    try {
      init = await loadParamsFor(compiled.model, compiled.guide, [data.tensors], initFile, { partial: true, guide: guideLabel });
    } catch (cause) {
      initError = cause;
    }
  }
  if (initError) {
    for (const t of Object.values(data.tensors)) t.dispose();
    throw initError;
  }
  // A file of this very program (all its params, nothing else) resumes the fit where it stopped; a
  // partial one starts the optimiser afresh from the params it gave.
  const complete = init !== undefined && init.ignored.length === 0 && init.fresh.length === 0;
  const saved = init?.snapshot.optimizer;
  const resume = complete && saved?.name === 'adam' ? { state: saved, step: init!.snapshot.meta?.steps ?? saved.iterations } : undefined;
  if (init && values['quiet'] !== true) reportInit(initFile!, init, resume?.step, saved?.name);
  const firstStep = resume?.step ?? 0;
  const optimizer = adam({ lr: scheduleFor(scheduleSpec, lr, firstStep, steps, text) });
  if (resume) optimizer.setState!(resume.state, paramVariables());

  const fit = svi(compiled.model, compiled.guide, {
    ...entry.create(flags),
    optimizer,
    seed,
    initialStep: firstStep,
    ...(clip === undefined ? {} : { clip }),
    // Why a structure stays uncompiled is worth a line in the progress output, not in quiet or JSON runs.
    onCompileNote: (note) => {
      if (!quiet) process.stderr.write(`note: ${note}\n`);
    },
  });
  const datapoints = datapointCount(compiled.info, compiled.dataSpec.bind(data.tensors));
  const start = performance.now();
  const progress = quiet ? undefined : new Progress(steps, process.stderr, 'fit');
  // Off a terminal there is no progress line: one line says the fit runs (a log shows it started).
  if (progress && !progress.active) process.stderr.write(`fit: ${file}, ${steps} steps of ${estimatorName}${firstStep > 0 ? ` from step ${firstStep}` : ''} (Ctrl-C stops and saves the params)\n`);
  let run: Run;
  try {
    run = await train(fit, data.tensors, steps, progress, datapoints, interrupt, stopping);
  } finally {
    for (const t of Object.values(data.tensors)) t.dispose();
  }
  const save = (): Promise<void> =>
    store.save(out, {
      meta: { program: file, guide: guideLabel, estimator: estimatorName, steps: fit.steps },
      ...(optimizer.state ? { optimizer: optimizer.state(paramVariables()) } : {}),
    });
  if (run.failure) {
    // Keep what was learnt before the failure (a non-finite step is not applied).
    if (run.done > 0) {
      await save();
      process.stderr.write(`params after ${run.done} steps saved to ${out}\n`);
    }
    throw run.failure;
  }
  if (run.done === 0 && store.names().length === 0) {
    process.stderr.write(`interrupted before the first step; nothing to save (${out} untouched)\n`);
    return interrupt.code;
  }
  await save();
  const seconds = (performance.now() - start) / 1000;
  const objective = mean(run.recent);
  const perDatapoint = datapoints === undefined ? undefined : objective / datapoints;
  if (json) {
    const { done: steps, interrupted, last } = run;
    const initSummary = init && { file: initFile, loaded: init.comparison.matching.length, ignored: init.ignored, fresh: init.fresh, resumedAt: resume?.step ?? null };
    const summary = { file, estimator: estimatorName, steps, totalSteps: fit.steps, interrupted, stoppedEarly: run.stoppedEarly, init: initSummary ?? null, loss: last?.loss ?? null, objective, perDatapoint: perDatapoint ?? null, seconds, params: out, stats: last?.stats ?? {}, warnings };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const how = run.interrupted ? `interrupted after ${run.done} of ${steps} steps` : run.stoppedEarly ? `${run.done} steps (stopped early: no improvement for ${stopping!.patience} steps)` : `${run.done} steps`;
    const per = perDatapoint === undefined ? '' : ` (${perDatapoint.toFixed(3)} per datapoint)`;
    process.stdout.write(`${file}: ${how} of ${estimatorName} in ${formatSeconds(seconds)}; objective ${objective.toFixed(3)}${per}, mean of the last ${run.recent.length} steps; params saved to ${out}\n`);
  }
  return run.interrupted ? interrupt.code : 0;
}

/** The store's params by name, as the optimiser's state is keyed. */
function paramVariables(): Map<string, tf.Variable> {
  const store = getParamStore();
  return new Map(store.names().map((name) => [name, store.variable(name)] as const));
}

/** What --init loaded, ignored and resumed, on stderr. */
function reportInit(path: string, init: LoadedParams, resumedAt: number | undefined, optimizerName: string | undefined): void {
  const list = (names: readonly string[]): string => (names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`);
  const lines = [`--init ${path}: loaded ${init.comparison.matching.length} of the program's ${init.comparison.matching.length + init.fresh.length} params`];
  if (init.comparison.extra.length > 0) lines.push(`  ignored ${init.comparison.extra.length} not of this program: ${list(init.comparison.extra)}`);
  for (const w of init.comparison.wrongShape) lines.push(`  ignored ${w.name}: saved with shape [${w.saved.join(', ')}], the program's is [${w.expected.join(', ')}]`);
  if (init.comparison.missing.length > 0) lines.push(`  not in the file (fresh initial values): ${list(init.comparison.missing)}`);
  if (resumedAt !== undefined) lines.push(`  resuming at step ${resumedAt} with Adam's saved state`);
  else if (optimizerName !== undefined) lines.push("  the optimiser starts afresh (its saved state is for a file that matches the program entirely)");
  process.stderr.write(`${lines.join('\n')}\n`);
}

interface Run {
  readonly done: number;
  readonly interrupted: boolean;
  readonly stoppedEarly: boolean;
  readonly last: StepResult | undefined;
  /** The objective of the last steps (up to 50). */
  readonly recent: readonly number[];
  readonly failure: unknown;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The optimisation loop: `fit.fit`, stopped by the interrupt's signal or by early stopping. */
async function train(
  fit: Svi<[DataRecord]>,
  data: DataRecord,
  steps: number,
  progress: Progress | undefined,
  datapoints: number | undefined,
  interrupt: Interrupt,
  stopping: EarlyStoppingOptions | undefined,
): Promise<Run> {
  const recent: number[] = [];
  let last: StepResult | undefined;
  let done = 0;
  let failure: unknown;
  let stoppedEarly = false;
  try {
    const result = await fit.fit(
      {
        steps,
        signal: interrupt.controller.signal,
        ...(stopping ? { earlyStopping: stopping } : {}),
        onStep: (r) => {
          last = r;
          done++;
          recent.push(r.logMarginal);
          if (recent.length > 50) recent.shift();
          progress?.update(done, progressFields(r, recent, datapoints));
        },
      },
      data,
    );
    stoppedEarly = result.stopped === 'early';
  } catch (cause) {
    failure = cause;
  } finally {
    progress?.finish();
  }
  return { done, interrupted: interrupt.signal !== undefined, stoppedEarly, last, recent, failure };
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
