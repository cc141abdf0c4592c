/** An example's page: its plots and numbers first, then what the example is, its model, and its estimators' stats. */
import { meetingHistogram, statCharts, testCurves, trainingCurves } from './charts.js';
import { append, h, page, section } from './dom.js';
import { markdown } from './markdown.js';
import { picturesFigure } from './pictures.js';
import { logLikelihoodTable, statsTable } from './tables.js';
import type { ExamplePage } from './types.js';

/** The .ppl model shown open (it is the model, in a few lines); a TypeScript one folded unless it is the only one and short. */
function sources(example: ExamplePage): HTMLElement {
  const hasPpl = example.sources.some((s) => s.path.endsWith('.ppl'));
  return section(
    'Model source',
    ...example.sources.map((s) => {
      const lines = s.text.trimEnd().split('\n').length;
      const open = s.path.endsWith('.ppl') || (!hasPpl && lines <= 50) ? { open: '' } : {};
      return h('details', open, h('summary', {}, h('code', {}, s.path), ` (${lines} lines)`), h('pre', { class: 'source' }, h('code', {}, s.text)));
    }),
  );
}

/** The training curves and the test log-likelihood of every committed run. */
function results(example: ExamplePage): HTMLElement[] {
  const { runs, name } = example;
  if (runs.length === 0) return [];
  return [
    section('Training', trainingCurves(runs), testCurves(runs)),
    section(
      'Test log-likelihood',
      h('p', {}, 'Per test datapoint, from the committed result files (examples/results/', name, '/<estimator>.json):'),
      logLikelihoodTable(runs),
      example.summary ? h('div', { class: 'summary' }, h('h3', {}, 'Reproduction (summary.md)'), markdown(example.summary, { headingOffset: 2, dropTitle: true })) : null,
    ),
  ];
}

function stats(example: ExamplePage): HTMLElement | null {
  const { runs } = example;
  if (runs.length === 0) return null;
  return section(
    'Estimator stats',
    h('p', {}, 'Averaged over all steps; constant ones are settings (k, lag), the others change over training and are plotted below.'),
    statsTable(runs),
    // Folded: a dozen charts would make the page many screens long; the table above has their means.
    h(
      'details',
      { class: 'stat-charts' },
      h('summary', {}, 'The stats over training, epoch by epoch'),
      h('div', { class: 'charts' }, ...statCharts(runs), ...runs.filter((r) => r.epochs.some((e) => 'meetingMean' in e.stats)).map(meetingHistogram)),
    ),
  );
}

function pictures(example: ExamplePage): HTMLElement | null {
  if (!example.images) return null;
  return section(
    'Reconstructions and samples',
    ...(example.pictures.length > 0
      ? // The first estimator's pictures open, the others folded: four grids of digits are screens long.
        example.pictures.map((p, i) => (i === 0 ? picturesFigure(p) : h('details', { class: 'more-pictures' }, h('summary', {}, `trained with ${p.estimator}`), picturesFigure(p))))
      : [h('p', { class: 'missing' }, `No pictures committed for ${example.name} yet (the runner writes examples/results/${example.name}/<estimator>.pictures.json).`)]),
  );
}

/** Links to the research pages the example's README points to. */
function research(example: ExamplePage): HTMLElement | null {
  if (example.research.length === 0) return null;
  return h('p', { class: 'research' }, 'Research: ', ...example.research.flatMap((r, i) => [i > 0 ? ' · ' : null, h('a', { href: `${r.page}.html` }, r.title)]));
}

export function renderExample(example: ExamplePage): void {
  const main = page(example.name, example.description, [['index.html', 'all examples'], ['diagnostics.html', 'diagnostics']]);
  const none = example.walkthrough !== true && example.runs.length === 0;
  append(
    main,
    research(example),
    ...results(example),
    pictures(example),
    none ? section('Results', h('p', { class: 'missing' }, `No results committed yet: npm run example -- ${example.name} --estimator <${example.estimators.join('|')}> writes them.`)) : null,
    example.readme ? section('About', markdown(example.readme, { dropTitle: true })) : h('p', {}, `Estimators: ${example.estimators.join(', ')}.`),
    stats(example),
    sources(example),
  );
}
