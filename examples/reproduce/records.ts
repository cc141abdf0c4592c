/**
 * The record of one (estimator, seed) run of a reproduction: what summaries and gallery pages are built
 * from, small enough to commit (examples/results/<example>/<reproduction>/<estimator>-seed-<seed>.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EstimatorName } from '../registry.js';
import type { RunResult } from '../result.js';
import { markdownTable, meanSd } from './budget.js';

/** One (estimator, seed) run of the reproduction. */
export interface ReproductionRecord {
  readonly estimator: EstimatorName;
  readonly seed: number;
  readonly epochs: number;
  readonly trainSeconds: number;
  /** Which params were tested: the best-validating epoch's (the paper's) or the last epoch's. Absent: last. */
  readonly selection?: 'best-validation' | 'last-epoch';
  /** Test NLL per point, IWAE-evalK, of the params selected. */
  readonly testNll: number;
  /** With selection: the epoch tested, and the validation NLL (IWAE-validateK) at each epoch checked. */
  readonly selectedEpoch?: number;
  readonly validation?: readonly { readonly epoch: number; readonly validationNll: number }[];
  readonly validateK?: number;
  readonly evalK: number;
  /** Test NLL (IWAE-testEveryK) after epoch 1 and every testEvery epochs. */
  readonly curve: readonly { readonly epoch: number; readonly testNll: number; readonly seconds: number }[];
  readonly testEveryK: number;
}

/** The record of a finished run; `selecting`: the run tested its best-validating params. */
export function reproductionRecord(result: RunResult, selecting: boolean): ReproductionRecord {
  return {
    estimator: result.estimator,
    seed: result.config.seed,
    epochs: result.epochs.length,
    trainSeconds: result.seconds.train,
    selection: selecting ? 'best-validation' : 'last-epoch',
    testNll: -result.testLogLikelihood,
    ...(result.selected
      ? {
          selectedEpoch: result.selected.epoch,
          validation: result.epochs.flatMap((e) => (e.validationLogLikelihood === undefined ? [] : [{ epoch: e.epoch, validationNll: -e.validationLogLikelihood }])),
          validateK: result.config.validateK ?? result.config.evalK,
        }
      : {}),
    evalK: result.config.evalK,
    curve: result.epochs.flatMap((e) => (e.testLogLikelihood === undefined ? [] : [{ epoch: e.epoch, testNll: -e.testLogLikelihood, seconds: e.seconds }])),
    testEveryK: result.config.testEveryK ?? result.config.evalK,
  };
}

/** Every record in `dir` whose file name passes `keep`, by estimator then seed. */
export function readRecords(dir: string, keep: (file: string) => boolean = () => true): ReproductionRecord[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && keep(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ReproductionRecord)
    .sort((a, b) => a.estimator.localeCompare(b.estimator) || a.seed - b.seed);
}

/** Each estimator's mean test NLL over its records, lowest first. */
export function meanNlls(all: readonly ReproductionRecord[]): [string, number][] {
  return [...new Set(all.map((r) => r.estimator))]
    .map((n): [string, number] => [n, meanSd(all.filter((r) => r.estimator === n).map((r) => r.testNll)).mean])
    .sort((a, b) => a[1] - b[1]);
}

/** The records as a markdown table over seeds, then the ordering of the estimators' means. */
export function recordsTable(all: readonly ReproductionRecord[], label: string, digits: number): string {
  const rows = all.map((r) => ({ estimator: r.estimator, seed: r.seed, epochs: r.epochs, seconds: r.trainSeconds, value: r.testNll }));
  return `${markdownTable(rows, label)}\nOrdering by mean test NLL: ${meanNlls(all).map(([n, v]) => `${n} ${v.toFixed(digits)}`).join(' <= ')}.\n`;
}
