/** The estimators' bias and variance against cost, and SGD with each (examples/results/diagnostics). */
import { biasVarianceCharts, sgdCharts } from './charts.js';
import { append, h, page, section } from './dom.js';
import { markdown } from './markdown.js';
import type { DiagnosticsPage } from './types.js';

export function renderDiagnostics(diagnostics: DiagnosticsPage): void {
  const main = page('diagnostics', 'Bias² and variance of each estimator against its cost, on a model with an exact answer (Shi & Cornish sec. 7.1).');
  append(
    main,
    diagnostics.biasVariance
      ? section('Bias and variance against cost (gaussian.json)', h('div', { class: 'charts' }, ...biasVarianceCharts(diagnostics.biasVariance.rows)))
      : h('p', { class: 'missing' }, 'No gaussian.json committed: npm run diagnose:gaussian writes it.'),
    diagnostics.sgd
      ? section(`SGD on theta (sgd.json: ${diagnostics.sgd.datapoints} datapoints, ${diagnostics.sgd.steps} steps)`, h('div', { class: 'charts' }, ...sgdCharts(diagnostics.sgd.trajectories)))
      : h('p', { class: 'missing' }, 'No sgd.json committed: npm run diagnose:sgd writes it.'),
    diagnostics.readme ? section('Notes (README.md)', markdown(diagnostics.readme, { headingOffset: 2, dropTitle: true })) : null,
  );
}
