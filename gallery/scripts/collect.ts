/**
 * Reads everything the gallery pages show, at build time: the example registry (names, one-line
 * descriptions, estimators), each example's README and model sources, and the committed result files
 * under examples/results/. A results file of a shape this does not know is a build error, so a new
 * kind of result is never silently left off the site.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type {
  BiasVarianceRow,
  DiagnosticsPage,
  ExamplePage,
  FineTune,
  GradientVariance,
  GradientVarianceRow,
  ImageGrid,
  IndexPage,
  MeetingTimes,
  MeetingTimesCheckpoint,
  MeetingTimesKernel,
  PairsByMeetingTime,
  PerDigit,
  PerDigitMeeting,
  Pictures,
  Run,
  SgdPoint,
  SourceFile,
} from '../src/site/types.js';

export interface Site {
  readonly index: IndexPage;
  readonly examples: readonly ExamplePage[];
  readonly diagnostics: DiagnosticsPage;
}

/** The part of examples/registry.ts's `GalleryExample` the site uses. */
interface RegistryEntry {
  readonly name: string;
  readonly description: string;
  readonly estimators: readonly string[];
  readonly images?: unknown;
}

/** The registry itself (run through tsx: it is TypeScript that imports the library). */
async function loadRegistry(root: string): Promise<readonly RegistryEntry[]> {
  const module = (await tsImport(join(root, 'examples', 'registry.ts'), import.meta.url)) as { registry: ReadonlyMap<string, RegistryEntry> };
  return [...module.registry.values()];
}

/** examples/walkthroughs.ts: examples whose README holds their results. */
async function loadWalkthroughs(root: string): Promise<readonly { name: string; description: string }[]> {
  const module = (await tsImport(join(root, 'examples', 'walkthroughs.ts'), import.meta.url)) as { walkthroughs: readonly { name: string; description: string }[] };
  return module.walkthroughs;
}

const readText = (path: string): string | null => (existsSync(path) ? readFileSync(path, 'utf8') : null);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readJson(path: string): Record<string, unknown> {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(value)) throw new Error(`${path}: expected a JSON object`);
  return value;
}

const RUN_FIELDS = ['estimator', 'config', 'data', 'epochs', 'testLogLikelihood', 'seconds', 'stepsPerSecond'] as const;

/** A training run without its per-step objectives (the pages plot per-epoch means; steps would be most of the bytes). */
function toRun(path: string, json: Record<string, unknown>): Run {
  const missing = RUN_FIELDS.filter((field) => json[field] === undefined);
  if (missing.length > 0) throw new Error(`${path}: a run of examples/run.ts, but without ${missing.join(', ')}`);
  const { example: _example, backend: _backend, stepObjectives: _steps, ...run } = json;
  return run as unknown as Run;
}

function toFineTune(file: string, json: Record<string, unknown>): FineTune {
  const { command, afterPretraining, afterPretrainingRefined, costRatioPerStep, branches } = json;
  return {
    file,
    command: String(command),
    afterPretraining: Number(afterPretraining),
    ...(typeof afterPretrainingRefined === 'number' ? { afterPretrainingRefined } : {}),
    costRatioPerStep: Number(costRatioPerStep),
    branches: branches as FineTune['branches'],
  };
}

/** A file of examples/vae-mnist/meeting-times.ts: its name, or checkpoints that hold per-kernel reports. */
function isMeetingTimes(file: string, json: Record<string, unknown>): boolean {
  const checkpoints = json['checkpoints'];
  return /^meeting-times\b.*\.json$/.test(file) || (Array.isArray(checkpoints) && checkpoints.some((c) => isRecord(c) && isRecord(c['kernels'])));
}

const KERNEL_COUNTS = ['estimates', 'pairs', 'capped'] as const;
/** Numbers the script may have written as NaN, which JSON.stringify turns into null. */
const KERNEL_NUMBERS = ['meetingMean', 'meetingMeanCappedAtCap', 'meetingMax', 'betaFinal', 'ess', 'isirMoveRate', 'secondsPerEstimate'] as const;

/**
 * meeting-times.json, checked field by field: every missing or mistyped field is named (as
 * checkpoints[i].kernels.<kernel>.<field>) in one error, so a changed script fails the build loudly.
 */
function toMeetingTimes(path: string, file: string, json: Record<string, unknown>): MeetingTimes {
  const problems: string[] = [];
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const nullableNumber = (v: unknown, where: string): number | null => {
    if (v === null) return null;
    if (typeof v !== 'number') problems.push(where);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const { command, backend, options, checkpoints } = json;
  if (typeof command !== 'string') problems.push('command');
  if (!isRecord(options)) problems.push('options');
  const maxIterations = isRecord(options) ? Number(options['max-iterations']) : Number.NaN;
  if (isRecord(options) && !(Number.isInteger(maxIterations) && maxIterations > 0)) problems.push("options['max-iterations']");
  if (!Array.isArray(checkpoints) || checkpoints.length === 0) problems.push('checkpoints (a non-empty array)');
  const parsed = (Array.isArray(checkpoints) ? checkpoints : []).map((checkpoint: unknown, i): MeetingTimesCheckpoint => {
    const at = `checkpoints[${i}]`;
    if (!isRecord(checkpoint)) {
      problems.push(at);
      return { epochs: Number.NaN, testLogLikelihood: null, kernels: [] };
    }
    if (!isNumber(checkpoint['epochs'])) problems.push(`${at}.epochs`);
    if (checkpoint['testLogLikelihood'] === undefined) problems.push(`${at}.testLogLikelihood`);
    const kernels = checkpoint['kernels'];
    if (!isRecord(kernels) || Object.keys(kernels).length === 0) problems.push(`${at}.kernels (an object of per-kernel reports)`);
    return {
      epochs: Number(checkpoint['epochs']),
      testLogLikelihood: nullableNumber(checkpoint['testLogLikelihood'] ?? null, `${at}.testLogLikelihood`),
      kernels: Object.entries(isRecord(kernels) ? kernels : {}).map(([kernel, report]): MeetingTimesKernel => {
        const where = `${at}.kernels.${kernel}`;
        if (!isRecord(report)) {
          problems.push(where);
          return { kernel, estimates: 0, pairs: 0, capped: 0, meetingMean: null, meetingMeanCappedAtCap: null, meetingMax: null, histogram: {}, betaFinal: null, ess: null, isirMoveRate: null, secondsPerEstimate: null };
        }
        for (const field of KERNEL_COUNTS) if (!isNumber(report[field])) problems.push(`${where}.${field}`);
        for (const field of KERNEL_NUMBERS) if (report[field] === undefined) problems.push(`${where}.${field}`);
        const histogram = report['histogram'];
        if (!isRecord(histogram) || Object.values(histogram).some((v) => !isNumber(v))) problems.push(`${where}.histogram (pairs per meeting-time bin)`);
        const numbers = Object.fromEntries(KERNEL_NUMBERS.map((field) => [field, nullableNumber(report[field] ?? null, `${where}.${field}`)])) as Record<(typeof KERNEL_NUMBERS)[number], number | null>;
        return {
          kernel,
          estimates: Number(report['estimates']),
          pairs: Number(report['pairs']),
          capped: Number(report['capped']),
          ...numbers,
          histogram: isRecord(histogram) ? (histogram as Record<string, number>) : {},
        };
      }),
    };
  });
  if (problems.length > 0) {
    throw new Error(`${path}: meeting times of examples/vae-mnist/meeting-times.ts, but without (or with a mistyped) ${[...new Set(problems)].join(', ')}`);
  }
  return {
    file,
    command: String(command),
    backend: typeof backend === 'string' ? backend : '',
    options: options as MeetingTimes['options'],
    maxIterations,
    checkpoints: parsed,
  };
}

/** Intensities in [0, 1] as base64 bytes: a 24-image grid is 19 kB instead of ~150 kB of JSON numbers. */
function toGrid(images: unknown, width: number, height: number, path: string): ImageGrid {
  if (!Array.isArray(images) || images.some((image) => !Array.isArray(image) || image.length !== width * height)) {
    throw new Error(`${path}: expected arrays of ${width * height} intensities`);
  }
  const rows = images as number[][];
  const bytes = Buffer.from(rows.flatMap((image) => image.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255))));
  return { width, height, count: rows.length, pixels: bytes.toString('base64') };
}

function toPictures(path: string, json: Record<string, unknown>): Pictures {
  const width = Number(json['width']);
  const height = Number(json['height']);
  return {
    estimator: String(json['estimator']),
    originals: toGrid(json['originals'], width, height, path),
    reconstructions: toGrid(json['reconstructions'], width, height, path),
    samples: toGrid(json['samples'], width, height, path),
  };
}

/** Order of estimators on the pages: the registry's (bounds first, then the debiased ones). */
const ESTIMATOR_ORDER = ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'];
const byEstimator = (a: { estimator: string }, b: { estimator: string }): number => ESTIMATOR_ORDER.indexOf(a.estimator) - ESTIMATOR_ORDER.indexOf(b.estimator);

/**
 * A file of examples/vae-mnist/per-digit.ts, every field checked (missing ones are named). `amortised`
 * is absent when the script ran with --refined-only; `meetingMax` is absent in files written before the
 * script reported it.
 */
function toPerDigit(path: string, file: string, json: Record<string, unknown>): PerDigit {
  const problems: string[] = [];
  const digits = (json['digits'] as unknown[]).map((d, i) => {
    const digit = isRecord(d) ? d : {};
    const meeting = (key: 'amortised' | 'refined'): PerDigitMeeting => {
      const m = isRecord(digit[key]) ? digit[key] : {};
      const field = (name: keyof PerDigitMeeting): number => {
        if (typeof m[name] !== 'number') problems.push(`digits[${i}].${key}.${name}`);
        return Number(m[name]);
      };
      if (m['meetingMax'] !== undefined && typeof m['meetingMax'] !== 'number') problems.push(`digits[${i}].${key}.meetingMax`);
      return {
        meetingMeanCappedAtCap: field('meetingMeanCappedAtCap'),
        ...(typeof m['meetingMax'] === 'number' ? { meetingMax: m['meetingMax'] } : {}),
        capped: field('capped'),
        isirMoveRate: field('isirMoveRate'),
      };
    };
    for (const name of ['row', 'logLikelihood']) if (typeof digit[name] !== 'number') problems.push(`digits[${i}].${name}`);
    return {
      row: Number(digit['row']),
      logLikelihood: Number(digit['logLikelihood']),
      ...(digit['amortised'] === undefined ? {} : { amortised: meeting('amortised') }),
      refined: meeting('refined'),
    };
  });
  if (problems.length > 0) throw new Error(`${path}: meeting times per digit of examples/vae-mnist/per-digit.ts, but without (or with a mistyped) ${problems.join(', ')}`);
  return { file, command: String(json['command']), digits };
}

/** A file of examples/vae-mnist/gradient-variance.ts: by its name, and rows to show. */
const isGradientVariance = (file: string, json: Record<string, unknown>): boolean => /^gradient-variance\b.*\.json$/.test(file) && Array.isArray(json['rows']);

const GRADIENT_ROW_NUMBERS = ['replicates', 'totalVariance', 'secondsPerEstimate', 'varianceTimesSeconds', 'squaredBias', 'squaredBiasNoise', 'meanSquaredNorm'] as const;
const PAIRS_BY_MEETING_TIME = ['meetingMax', 'capped', 'meetingLe10', 'meetingLe20', 'meetingLe40', 'meetingLe80', 'meetingLe160', 'meetingLe320', 'meetingGt320'] as const;

/**
 * gradient-variance.json, every field checked: missing or mistyped ones are named (as rows[i].<field>)
 * in one error. meetingMean and pairsByMeetingTime are optional (IWAE's row has neither) but checked
 * where present.
 */
function toGradientVariance(path: string, file: string, json: Record<string, unknown>): GradientVariance {
  const problems: string[] = [];
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const { command, backend, options, components, referenceSquaredNorm } = json;
  if (typeof command !== 'string') problems.push('command');
  if (backend !== undefined && typeof backend !== 'string') problems.push('backend');
  if (!isRecord(options)) problems.push('options');
  if (!isNumber(components)) problems.push('components');
  if (!isNumber(referenceSquaredNorm)) problems.push('referenceSquaredNorm');
  const rows = json['rows'] as unknown[];
  if (rows.length === 0) problems.push('rows (a non-empty array)');
  const parsed = rows.map((r, i): GradientVarianceRow => {
    const at = `rows[${i}]`;
    const row = isRecord(r) ? r : {};
    if (!isRecord(r)) problems.push(at);
    else if (typeof row['estimator'] !== 'string') problems.push(`${at}.estimator`);
    const numbers = Object.fromEntries(
      GRADIENT_ROW_NUMBERS.map((field) => {
        if (isRecord(r) && !isNumber(row[field])) problems.push(`${at}.${field}`);
        return [field, Number(row[field])];
      }),
    ) as Record<(typeof GRADIENT_ROW_NUMBERS)[number], number>;
    const { meetingMean, pairsByMeetingTime } = row;
    if (meetingMean !== undefined && !isNumber(meetingMean)) problems.push(`${at}.meetingMean`);
    let pairs: PairsByMeetingTime | undefined;
    if (pairsByMeetingTime !== undefined) {
      if (!isRecord(pairsByMeetingTime)) problems.push(`${at}.pairsByMeetingTime`);
      else {
        for (const field of PAIRS_BY_MEETING_TIME) if (!isNumber(pairsByMeetingTime[field])) problems.push(`${at}.pairsByMeetingTime.${field}`);
        pairs = Object.fromEntries(PAIRS_BY_MEETING_TIME.map((field) => [field, Number(pairsByMeetingTime[field])])) as unknown as PairsByMeetingTime;
      }
    }
    return {
      estimator: String(row['estimator']),
      ...numbers,
      ...(isNumber(meetingMean) ? { meetingMean } : {}),
      ...(pairs ? { pairsByMeetingTime: pairs } : {}),
    };
  });
  if (problems.length > 0) {
    throw new Error(`${path}: gradient variance of examples/vae-mnist/gradient-variance.ts, but without (or with a mistyped) ${problems.join(', ')}`);
  }
  return {
    file,
    command: String(command),
    backend: typeof backend === 'string' ? backend : '',
    options: options as GradientVariance['options'],
    components: Number(components),
    referenceSquaredNorm: Number(referenceSquaredNorm),
    rows: parsed,
  };
}

export function readResults(dir: string): Pick<ExamplePage, 'runs' | 'fineTunes' | 'meetingTimes' | 'perDigit' | 'gradientVariance' | 'pictures' | 'summary'> {
  const runs: Run[] = [];
  const fineTunes: FineTune[] = [];
  const meetingTimes: MeetingTimes[] = [];
  const perDigit: PerDigit[] = [];
  const gradientVariance: GradientVariance[] = [];
  const pictures: Pictures[] = [];
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  for (const file of files) {
    const path = join(dir, file);
    const json = readJson(path);
    if (file.endsWith('.pictures.json')) pictures.push(toPictures(path, json));
    else if (Array.isArray(json['epochs']) && typeof json['testLogLikelihood'] === 'number') runs.push(toRun(path, json));
    else if (isRecord(json['branches'])) fineTunes.push(toFineTune(file, json));
    else if (isMeetingTimes(file, json)) meetingTimes.push(toMeetingTimes(path, file, json));
    else if (Array.isArray(json['digits'])) perDigit.push(toPerDigit(path, file, json));
    else if (isGradientVariance(file, json)) gradientVariance.push(toGradientVariance(path, file, json));
    else throw new Error(`${path}: not a result file the gallery knows (a run of examples/run.ts, a fine-tuning comparison, meeting times, meeting times per digit, gradient variance, or pictures); teach gallery/scripts/collect.ts to show it`);
  }
  return { runs: runs.sort(byEstimator), fineTunes, meetingTimes, perDigit, gradientVariance, pictures: pictures.sort(byEstimator), summary: readText(join(dir, 'summary.md')) };
}

function readSources(dir: string, root: string): SourceFile[] {
  return ['model.ppl', 'model.ts']
    .map((file) => join(dir, file))
    .filter(existsSync)
    .map((path) => ({ path: path.slice(root.length + 1), text: readFileSync(path, 'utf8') }));
}

function readDiagnostics(dir: string): DiagnosticsPage {
  const gaussian = existsSync(join(dir, 'gaussian.json')) ? readJson(join(dir, 'gaussian.json')) : null;
  const sgd = existsSync(join(dir, 'sgd.json')) ? readJson(join(dir, 'sgd.json')) : null;
  return {
    readme: readText(join(dir, 'README.md')),
    biasVariance: gaussian && { protocol: gaussian['protocol'] as Record<string, unknown>, rows: gaussian['rows'] as BiasVarianceRow[] },
    sgd: sgd && { steps: Number(sgd['steps']), datapoints: Number(sgd['datapoints']), trajectories: sgd['trajectories'] as Record<string, SgdPoint[]> },
  };
}

/** Everything the site shows, read from the repository at `root` and the result files under `options.results`. */
export async function collectSite(root: string, options: { results: string; playground: boolean }): Promise<Site> {
  const { results } = options;
  const examples = (await loadRegistry(root)).map((entry): ExamplePage => {
    const found = readResults(join(results, entry.name));
    return {
      name: entry.name,
      description: entry.description,
      estimators: [...entry.estimators],
      readme: readText(join(root, 'examples', entry.name, 'README.md')),
      sources: readSources(join(root, 'examples', entry.name), root),
      ...found,
      images: entry.images !== undefined || found.pictures.length > 0,
    };
  });
  for (const walk of await loadWalkthroughs(root)) {
    const dir = join(root, 'examples', walk.name);
    examples.push({
      name: walk.name,
      description: walk.description,
      estimators: [],
      readme: readText(join(dir, 'README.md')),
      sources: readSources(dir, root),
      ...readResults(join(results, walk.name)),
      images: false,
      walkthrough: true,
    });
  }
  return {
    examples,
    index: {
      examples: examples.map((e) => ({
        name: e.name,
        description: e.description,
        results: [
          ...e.runs.map((r) => r.estimator),
          ...e.fineTunes.map((f) => `${f.file.replace(/\.json$/, '')} (fine-tuning)`),
          ...e.meetingTimes.map((m) => `${m.file.replace(/\.json$/, '')} (coupled chains)`),
          ...e.perDigit.map((m) => `${m.file.replace(/\.json$/, '')} (coupled chains per digit)`),
          ...e.gradientVariance.map((g) => `${g.file.replace(/\.json$/, '')} (gradient estimators)`),
        ],
        images: e.images,
        ...(e.walkthrough ? { walkthrough: true } : {}),
      })),
      playground: options.playground,
    },
    diagnostics: readDiagnostics(join(results, 'diagnostics')),
  };
}
