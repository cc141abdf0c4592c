/** An example's page: what it is, its model, and what its committed result files show. */
import { fineTuneCurves, meetingHistogram, meetingTimesChart, statCharts, trainingCurves } from './charts.js';
import { append, h, page, section } from './dom.js';
import { markdown } from './markdown.js';
import { picturesFigure } from './pictures.js';
import { fineTuneTable, gradientVarianceTable, logLikelihoodTable, meetingTimesTable, perDigitTable, statsTable } from './tables.js';
import type { ExamplePage, GradientVariance, MeetingTimes, PerDigit } from './types.js';

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

function results(example: ExamplePage): HTMLElement[] {
  const { runs, name } = example;
  if (runs.length === 0) return [];
  return [
    section('Training', trainingCurves(runs)),
    section(
      'Test log-likelihood',
      h('p', {}, 'Per test datapoint, from the committed result files (examples/results/', name, '/<estimator>.json):'),
      logLikelihoodTable(runs),
      example.summary ? h('div', { class: 'summary' }, h('h3', {}, 'Reproduction (summary.md)'), markdown(example.summary, { headingOffset: 2, dropTitle: true })) : null,
    ),
    section(
      'Estimator stats',
      h('p', {}, 'Averaged over all steps; constant ones are settings (k, lag), the others change over training and are plotted below.'),
      statsTable(runs),
      h('div', { class: 'charts' }, ...statCharts(runs), ...runs.filter((r) => r.epochs.some((e) => 'meetingMean' in e.stats)).map(meetingHistogram)),
    ),
  ];
}

function pictures(example: ExamplePage): HTMLElement | null {
  if (!example.images) return null;
  return section(
    'Reconstructions and samples',
    ...(example.pictures.length > 0
      ? example.pictures.map(picturesFigure)
      : [h('p', { class: 'missing' }, `No pictures committed for ${example.name} yet (the runner writes examples/results/${example.name}/<estimator>.pictures.json).`)]),
  );
}

/** The script's options as it reads them, without where it writes (--out) and caches (--cache). */
function options(result: { readonly options: Readonly<Record<string, string | boolean>> }): string {
  return Object.entries(result.options)
    .filter(([key]) => key !== 'out' && key !== 'cache')
    .map(([key, value]) => (typeof value === 'boolean' ? (value ? `--${key}` : null) : `--${key} ${value}`))
    .filter((option) => option !== null)
    .join(' ');
}

function meetingTimesSection(meetingTimes: MeetingTimes): HTMLElement {
  return section(
    `Coupled chains: meeting times against guide training (${meetingTimes.file})`,
    h('p', {}, h('code', {}, meetingTimes.command), meetingTimes.backend ? ` (backend ${meetingTimes.backend}), with ` : ', with ', h('code', {}, options(meetingTimes))),
    h(
      'p',
      {},
      'After each checkpoint of pretraining, C-ISIR estimates on the same training minibatches, one chain pair per datapoint, nothing updated. ' +
        `Mean meeting times over the pairs that met, and with the capped pairs counted at the cap of ${meetingTimes.maxIterations} iterations (a lower bound on the uncapped mean); ` +
        'final beta and the DISIR ESS only for kernels with DISIR.',
    ),
    meetingTimesTable(meetingTimes),
    meetingTimesChart(meetingTimes),
  );
}

function perDigitSection(perDigit: PerDigit): HTMLElement {
  return section(
    `Coupled chains digit by digit (${perDigit.file})`,
    h('p', {}, h('code', {}, perDigit.command)),
    h(
      'p',
      {},
      'C-ISIR-DISIR on copies of one training digit at a time, so every chain pair targets the same posterior; mean meeting times count capped pairs at the cap. ' +
        (perDigit.digits.some((d) => d.amortised !== undefined)
          ? "Left: the encoder's proposal; right: the proposal refined per digit first (cisir's refine)."
          : "Only the proposal refined per digit first (cisir's refine); the encoder's proposal was not run (--refined-only)."),
    ),
    perDigitTable(perDigit),
  );
}

function gradientVarianceSection(gradientVariance: GradientVariance): HTMLElement {
  return section(
    `What one decoder gradient is worth (${gradientVariance.file})`,
    h(
      'p',
      {},
      h('code', {}, gradientVariance.command),
      gradientVariance.backend ? ` (backend ${gradientVariance.backend}), with ` : ', with ',
      h('code', {}, options(gradientVariance)),
    ),
    h(
      'p',
      {},
      'Replicates of d log p(x) / d theta on one fixed minibatch at a pretraining checkpoint. ' +
        "Squared bias is the squared distance of an estimator's mean from the pooled C-ISIR-DISIR mean, noise taken out: IWAE's bias, and about zero for the unbiased estimators. " +
        'The variance of C-ISIR-DISIR is set by the pairs that meet late.',
    ),
    gradientVarianceTable(gradientVariance),
  );
}

export function renderExample(example: ExamplePage): void {
  const main = page(example.name, example.description, [['index.html', 'all examples'], ['diagnostics.html', 'diagnostics']]);
  const none =
    example.walkthrough !== true &&
    example.runs.length === 0 &&
    example.fineTunes.length === 0 &&
    example.meetingTimes.length === 0 &&
    example.perDigit.length === 0 &&
    example.gradientVariance.length === 0;
  append(
    main,
    example.readme ? markdown(example.readme, { dropTitle: true }) : h('p', {}, `Estimators: ${example.estimators.join(', ')}.`),
    sources(example),
    none ? section('Results', h('p', { class: 'missing' }, `No results committed yet: npm run example -- ${example.name} --estimator <${example.estimators.join('|')}> writes them.`)) : null,
    ...results(example),
    ...example.fineTunes.map((f) => section(`Fine-tuning comparison (${f.file})`, h('p', {}, h('code', {}, f.command)), fineTuneTable(f), fineTuneCurves(f))),
    ...example.meetingTimes.map(meetingTimesSection),
    ...example.perDigit.map(perDigitSection),
    ...example.gradientVariance.map(gradientVarianceSection),
    pictures(example),
  );
}
