/** The result tables of an example page, straight from the committed result files. */
import { fmt, h } from './dom.js';
import type { Run } from './types.js';

export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], name: string): HTMLTableElement {
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
  // Runs with checkpoint selection test the best-validating epoch's params, not the last epoch's.
  const selection = runs.some((r) => r.selected !== undefined);
  return table(
    ['estimator', 'test log-likelihood (IWAE bound)', ...(exact ? ['exact at the fitted params'] : []), ...(selection ? ['params tested'] : []), 'epochs', 'seed', 'train s', 'steps/s'],
    runs.map((r) => [
      r.estimator,
      `${fmt(r.testLogLikelihood, 6)} (k = ${r.config['evalK']})`,
      ...(exact ? [fmt(r.exactTestLogLikelihood, 6)] : []),
      ...(selection ? [r.selected ? `epoch ${r.selected.epoch} (best validation)` : 'last epoch'] : []),
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
