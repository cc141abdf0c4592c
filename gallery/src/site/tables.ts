/** The result tables of an example page, straight from the committed result files. */
import { fmt, h } from './dom.js';
import type { FineTune, GradientVariance, MeetingTimes, PairsByMeetingTime, PerDigit, PerDigitMeeting, Run } from './types.js';

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

/**
 * Meeting times per digit (examples/vae-mnist/per-digit.ts), least likely digit first. The encoder's
 * proposal's columns only when some digit has them (not in a --refined-only file), blank for a digit
 * without; a max column per proposal when its meeting reports carry meetingMax.
 */
export function perDigitTable(perDigit: PerDigit): HTMLTableElement {
  const rows = [...perDigit.digits].sort((a, b) => a.logLikelihood - b.logLikelihood);
  const columns = (key: 'amortised' | 'refined', title: string) => {
    const max = rows.some((d) => d[key]?.meetingMax !== undefined);
    const head = [title, ...(max ? ['max'] : []), 'ISIR move rate', 'capped'];
    const cells = (m: PerDigitMeeting | undefined): string[] =>
      m === undefined
        ? head.map(() => '')
        : [decimals(m.meetingMeanCappedAtCap, 1), ...(max ? [m.meetingMax === undefined ? '' : decimals(m.meetingMax, 0)] : []), decimals(m.isirMoveRate, 3), String(m.capped)];
    return { head, cells };
  };
  const amortised = rows.some((d) => d.amortised !== undefined) ? columns('amortised', 'mean meeting time') : null;
  const refined = columns('refined', 'refined: mean meeting time');
  return table(
    ['training digit', 'log-likelihood (IWAE-1000)', ...(amortised?.head ?? []), ...refined.head],
    rows.map((d) => [String(d.row), decimals(d.logLikelihood, 2), ...(amortised ? amortised.cells(d.amortised) : []), ...refined.cells(d.refined)]),
    'per-digit',
  );
}

/** `digits` significant digits, exponent without its plus (2.9e5); blank where there is no number. */
const significant = (value: number, digits: number): string => (Number.isFinite(value) ? value.toPrecision(digits).replace('e+', 'e') : '');

/** Chain pairs that had not met after 80 iterations (the late and the capped ones), and all pairs. */
function latePairs(p: PairsByMeetingTime): { late: number; pairs: number } {
  const late = p.meetingLe160 + p.meetingLe320 + p.meetingGt320 + p.capped;
  return { late, pairs: p.meetingLe10 + p.meetingLe20 + p.meetingLe40 + p.meetingLe80 + late };
}

/**
 * What one decoder gradient is worth per estimator (examples/vae-mnist/gradient-variance.ts), in the
 * file's order: variance, cost, squared bias with the noise it was corrected for, and for the coupled
 * chains how late their pairs meet.
 */
export function gradientVarianceTable(gradientVariance: GradientVariance): HTMLTableElement {
  return table(
    ['estimator', 'total variance', 's per estimate', 'squared bias', 'mean meeting time', 'pairs meeting after 80 iterations / all pairs', 'max meeting time'],
    gradientVariance.rows.map((r) => {
      const p = r.pairsByMeetingTime;
      const late = p && latePairs(p);
      return [
        r.estimator,
        significant(r.totalVariance, 3),
        fmt(r.secondsPerEstimate, 3),
        `${significant(r.squaredBias, 2)} (noise ${significant(r.squaredBiasNoise, 2)})`,
        r.meetingMean === undefined ? '' : decimals(r.meetingMean, 1),
        late ? `${late.late} / ${late.pairs}` : '',
        p ? decimals(p.meetingMax, 0) : '',
      ];
    }),
    'gradient-variance',
  );
}
