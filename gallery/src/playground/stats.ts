/** The numbers panel: progress of a run as text, per datapoint where the model has a data plate. */
import type { Progress } from './runner.js';

const byId = (id: string): HTMLElement => document.getElementById(id)!;

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4);
}

export function resetStats(): void {
  for (const id of ['stat-rate', 'stat-objective', 'stat-mean', 'stat-loss', 'stat-grad', 'stat-tensors']) {
    byId(id).textContent = '–';
    delete byId(id).dataset['value'];
  }
  byId('stat-steps').textContent = '0';
  byId('estimator-stats').replaceChildren();
}

/** `recent`: the last objectives (full-data scale). */
export function showStats(progress: Progress, recent: readonly number[]): void {
  const per = progress.datapoints ?? 1;
  const suffix = progress.datapoints === undefined ? '' : ' per datapoint';
  const mean = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
  const { last } = progress;
  byId('stat-steps').textContent = String(progress.steps);
  byId('stat-rate').textContent = progress.stepsPerSecond.toFixed(1);
  byId('stat-objective').textContent = `${formatNumber(last.logMarginal / per)}${suffix}`;
  byId('stat-mean').textContent = `${formatNumber(mean / per)}${suffix}`;
  byId('stat-loss').textContent = formatNumber(last.loss);
  // Full precision, for scripts comparing runs (the tests: a seed gives the same numbers on any page).
  byId('stat-objective').dataset['value'] = String(last.logMarginal);
  byId('stat-loss').dataset['value'] = String(last.loss);
  byId('stat-grad').dataset['value'] = `${last.gradNorm.model} ${last.gradNorm.guide}`;
  byId('stat-grad').textContent = `${formatNumber(last.gradNorm.model)} / ${formatNumber(last.gradNorm.guide)}`;
  const tensors = byId('stat-tensors');
  tensors.textContent = `${progress.tensors} (${progress.tensorGrowth === 0 ? 'flat' : `${progress.tensorGrowth > 0 ? '+' : ''}${progress.tensorGrowth} since step 1`})`;
  tensors.dataset['growth'] = String(progress.tensorGrowth);
  byId('estimator-stats').replaceChildren(
    ...Object.entries(last.stats).flatMap(([name, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = formatNumber(value);
      return [dt, dd];
    }),
  );
}
