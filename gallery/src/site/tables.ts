/** The result tables of an example page, straight from the committed result files. */
import { fmt, h } from './dom.js';
import type { FineTune, MeetingTimes, PerDigit, Run } from './types.js';

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], name: string): HTMLTableElement {
  return h(
    'table',
    { 'data-table': name },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((c) => h('td', {}, String(c)))))),
  );
}

/** Test log-likelihood (and the exact value where the model has one), budget and speed per estimator. */
export function logLikelihoodTable(runs: readonly Run[]): HTMLTableElement {
  const exact = runs.some((r) => r.exactTestLogLikelihood !== undefined);
  return table(
    ['estimator', 'test log-likelihood (IWAE bound)', ...(exact ? ['exact at the fitted params'] : []), 'epochs', 'seed', 'train s', 'steps/s'],
    runs.map((r) => [
      r.estimator,
      `${fmt(r.testLogLikelihood, 6)} (k = ${r.config['evalK']})`,
      ...(exact ? [fmt(r.exactTestLogLikelihood, 6)] : []),
      r.epochs.length,
      String(r.config['seed']),
      fmt(r.seconds.train, 3),
      fmt(r.stepsPerSecond, 3),
    ]),
    'log-likelihood',
  );
}

const mean = (values: readonly number[]): number => values.reduce((a, v) => a + v, 0) / values.length;

/** Every stat an estimator reports (K drawn, draws used, meeting times, ...), averaged over all epochs. */
export function statsTable(runs: readonly Run[]): HTMLTableElement {
  const keys = [...new Set(runs.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.stats))))];
  return table(
    ['estimator', ...keys],
    runs.map((r) => [
      r.estimator,
      ...keys.map((key) => {
        const values = r.epochs.map((e) => e.stats[key]).filter((v): v is number => Number.isFinite(v));
        return values.length > 0 ? fmt(mean(values), 3) : '';
      }),
    ]),
    'stats',
  );
}

/** A fine-tuning comparison: test log-likelihood and time per step of each branch. */
export function fineTuneTable(fineTune: FineTune): HTMLTableElement {
  // The refined-proposal bound is a column only in files that have it.
  const refined = fineTune.afterPretrainingRefined !== undefined;
  const withRefined = (plain: number, value: number | undefined): string[] => [fmt(plain, 6), ...(refined ? [value === undefined ? '' : fmt(value, 6)] : [])];
  return table(
    ['', 'test log-likelihood', ...(refined ? ['the same, proposals refined per image'] : []), 'seconds per step', 'stats (last epoch)'],
    [
      ['after pretraining', ...withRefined(fineTune.afterPretraining, fineTune.afterPretrainingRefined), '', ''],
      ...Object.entries(fineTune.branches).map(([branch, b]) => [
        `+ ${branch}`,
        ...withRefined(b.testLogLikelihood, b.testLogLikelihoodRefined),
        fmt(b.secondsPerStep, 3),
        Object.entries(b.reports.at(-1)?.stats ?? {})
          .map(([k, v]) => `${k} ${fmt(v, 3)}`)
          .join(', '),
      ]),
    ],
    'fine-tuning',
  );
}

/** `digits` decimals, or blank where there is no number (JSON null for the script's NaN). */
const decimals = (value: number | null, digits: number): string => (value === null || !Number.isFinite(value) ? '' : value.toFixed(digits));

/** Meeting times of the coupled chains: a row per (checkpoint, kernel), in the file's order. */
export function meetingTimesTable(meetingTimes: MeetingTimes): HTMLTableElement {
  const k = meetingTimes.options['k'];
  return table(
    [
      'pretraining epochs',
      'kernel',
      k !== undefined && k !== '0' ? `test log-likelihood (IWAE-${k})` : 'test log-likelihood',
      'mean meeting time (met pairs)',
      `mean, capped counted at ${meetingTimes.maxIterations}`,
      'capped / pairs',
      'max',
      'ISIR move rate',
      'final beta',
      'DISIR ESS',
      'seconds per estimate',
    ],
    meetingTimes.checkpoints.flatMap((c) =>
      c.kernels.map((r) => [
        c.epochs,
        r.kernel,
        decimals(c.testLogLikelihood, 2),
        decimals(r.meetingMean, 1),
        decimals(r.meetingMeanCappedAtCap, 1),
        `${r.capped} / ${r.pairs}`,
        decimals(r.meetingMax, 0),
        decimals(r.isirMoveRate, 2),
        r.kernel.includes('disir') ? decimals(r.betaFinal, 2) : '',
        decimals(r.ess, 2),
        decimals(r.secondsPerEstimate, 2),
      ]),
    ),
    'meeting-times',
  );
}

/** Meeting times per digit (examples/vae-mnist/per-digit.ts), least likely digit first. */
export function perDigitTable(perDigit: PerDigit): HTMLTableElement {
  const rows = [...perDigit.digits].sort((a, b) => a.logLikelihood - b.logLikelihood);
  return table(
    ['training digit', 'log-likelihood (IWAE-1000)', 'mean meeting time', 'ISIR move rate', 'capped', 'refined: mean meeting time', 'ISIR move rate', 'capped'],
    rows.map((d) => [
      String(d.row),
      decimals(d.logLikelihood, 2),
      decimals(d.amortised.meetingMeanCappedAtCap, 1),
      decimals(d.amortised.isirMoveRate, 3),
      String(d.amortised.capped),
      decimals(d.refined.meetingMeanCappedAtCap, 1),
      decimals(d.refined.isirMoveRate, 3),
      String(d.refined.capped),
    ]),
    'per-digit',
  );
}
