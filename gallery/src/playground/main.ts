/**
 * The playground page: wires the editor, the pickers, the training loop, the stats and the plot. The
 * page takes `?dataset=<name>` (which data set to start with) and `?backend=webgl|wasm|cpu`.
 */
import './playground.css';
import { formatDiagnostics, type Diagnostic } from '../../../src/dsl/lang/index.js';
import { RouletteError } from '../../../src/runtime/index.js';
import { startBackend } from './backend.js';
import { DATASETS, datasetNamed, describeData, type ArrayData, type Dataset, type DatasetName } from './datasets.js';
import { createEditor } from './editor.js';
import { createEstimatorForm } from './estimator-form.js';
import { PlaygroundError } from './errors.js';
import { MODELS } from './models.js';
import { drawLoss, type LossPoint } from './plot.js';
import { compileProgram, GUIDE_CHOICES, type GuideChoice } from './program.js';
import { train, type RunSettings } from './runner.js';
import { resetStats, showStats } from './stats.js';

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const ui = {
  backend: byId('backend'),
  editor: byId('editor'),
  diagnosticsSummary: byId('diagnostics-summary'),
  diagnostics: byId<HTMLPreElement>('diagnostics'),
  form: byId<HTMLFormElement>('controls'),
  dataset: byId<HTMLSelectElement>('dataset'),
  datasetDescription: byId('dataset-description'),
  loadExample: byId<HTMLButtonElement>('load-example'),
  guide: byId<HTMLSelectElement>('guide'),
  estimator: byId<HTMLSelectElement>('estimator'),
  steps: byId<HTMLInputElement>('steps'),
  batch: byId<HTMLInputElement>('batch'),
  lr: byId<HTMLInputElement>('lr'),
  seed: byId<HTMLInputElement>('seed'),
  run: byId<HTMLButtonElement>('run'),
  stop: byId<HTMLButtonElement>('stop'),
  status: byId('status'),
  error: byId<HTMLPreElement>('error'),
  plot: byId('plot'),
  plotCaption: byId('plot-caption'),
};

// --- diagnostics ---------------------------------------------------------------------------------

function showDiagnostics(diagnostics: readonly Diagnostic[], text: string): void {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  ui.diagnosticsSummary.textContent = diagnostics.length === 0 ? 'no problems' : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  ui.diagnosticsSummary.classList.toggle('has-errors', errors > 0);
  ui.diagnostics.hidden = diagnostics.length === 0;
  ui.diagnostics.textContent = formatDiagnostics(text, diagnostics, { file: 'model.ppl' });
}

// --- data set and model ----------------------------------------------------------------------------

const initialName = new URLSearchParams(location.search).get('dataset');
let dataset: Dataset = (initialName && datasetNamed(initialName)) || DATASETS[0]!;
/** The example text last put in the editor: a data-set change replaces the text only if it is unedited. */
let example = MODELS[dataset.name];
const editor = createEditor(ui.editor, example, showDiagnostics);
const estimatorForm = createEstimatorForm(ui.estimator, byId('estimator-summary'), byId('estimator-options'));

const generated = new Map<DatasetName, Readonly<Record<string, ArrayData>>>();
function dataOf(d: Dataset): Readonly<Record<string, ArrayData>> {
  let data = generated.get(d.name);
  if (!data) {
    // Seed 1: the gallery runner's default, so these are the gallery's training sets.
    data = d.generate(1, d.size);
    generated.set(d.name, data);
  }
  return data;
}

function selectDataset(next: Dataset): void {
  const edited = editor.text() !== example;
  dataset = next;
  ui.datasetDescription.textContent = `${next.description}. Data: ${describeData(dataOf(next))}.`;
  ui.lr.value = String(next.lr);
  ui.batch.value = next.batch === undefined ? '' : String(next.batch);
  estimatorForm.setDataset(next);
  if (edited) {
    ui.status.textContent = "kept your edited model ('load its model' replaces it)";
  } else {
    example = MODELS[next.name];
    editor.setText(example);
  }
}

ui.dataset.replaceChildren(...DATASETS.map((d) => new Option(d.name, d.name)));
ui.dataset.value = dataset.name;
ui.dataset.addEventListener('change', () => selectDataset(datasetNamed(ui.dataset.value)!));
ui.loadExample.addEventListener('click', () => {
  example = MODELS[dataset.name];
  editor.setText(example);
});
ui.guide.replaceChildren(...GUIDE_CHOICES.map((g) => new Option(g.label, g.value)));
selectDataset(dataset);

// --- running ---------------------------------------------------------------------------------------

function describeError(error: unknown): string {
  // A PplError's message already holds the formatted diagnostics; a non-finite step names the site.
  if (error instanceof RouletteError) return `${error.name} (${error.code}): ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function showError(error: unknown): void {
  ui.error.hidden = false;
  ui.error.textContent = describeError(error);
  // Anything else is a bug in the page or the library: keep its stack for whoever debugs it.
  if (!(error instanceof RouletteError) && !(error instanceof PlaygroundError)) console.error(error);
}

function readNumber(input: HTMLInputElement, what: string, check: (n: number) => boolean, expected: string): number {
  const n = Number(input.value);
  if (input.value.trim() === '' || !check(n)) throw new PlaygroundError(`${what}: expected ${expected}, got '${input.value}'`);
  return n;
}

function settingsFromPage(): RunSettings {
  const batch = ui.batch.value.trim() === '' ? undefined : readNumber(ui.batch, 'batch', (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1, or empty for all the data');
  const program = compileProgram(editor.text(), ui.guide.value as GuideChoice, batch);
  return {
    program,
    data: dataOf(dataset),
    estimator: estimatorForm.read().choice,
    steps: readNumber(ui.steps, 'steps', (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'),
    lr: readNumber(ui.lr, 'learning rate', (n) => n > 0 && Number.isFinite(n), 'a positive number'),
    seed: readNumber(ui.seed, 'seed', Number.isInteger, 'an integer'),
  };
}

let controller: AbortController | undefined;

/**
 * `data-state` and `data-runs` on the form let scripts (and the tests) wait for a run to end. (Through
 * setAttribute: a form's `dataset` property is its control named "dataset".)
 */
function setRunning(running: boolean): void {
  ui.form.setAttribute('data-state', running ? 'running' : 'idle');
  if (!running) ui.form.setAttribute('data-runs', String(Number(ui.form.getAttribute('data-runs') ?? 0) + 1));
  ui.run.disabled = running;
  ui.stop.disabled = !running;
  for (const control of [ui.dataset, ui.guide, ui.loadExample, ui.estimator]) control.disabled = running;
}

async function run(): Promise<void> {
  ui.error.hidden = true;
  let settings: RunSettings;
  try {
    settings = settingsFromPage();
  } catch (error) {
    ui.status.textContent = 'not started';
    showError(error);
    return;
  }
  const estimatorName = ui.estimator.value;
  controller = new AbortController();
  setRunning(true);
  resetStats();
  ui.status.textContent = 'running…';
  const points: LossPoint[] = [];
  const recent: number[] = [];
  let label = 'loss (−objective)';
  let drawnAt = 0;
  const started = performance.now();
  const outcome = await train(settings, controller.signal, (progress) => {
    const per = progress.datapoints ?? 1;
    label = `loss${progress.datapoints === undefined ? '' : ' per datapoint'} (−objective of ${estimatorName})`;
    for (const objective of progress.newObjectives) {
      points.push({ step: points.length + 1, loss: -objective / per });
      recent.push(objective);
    }
    recent.splice(0, Math.max(0, recent.length - 50));
    showStats(progress, recent);
    // Plot redraws a whole SVG: a few times a second is plenty.
    if (performance.now() - drawnAt > 250) {
      drawLoss(ui.plot, points, label);
      drawnAt = performance.now();
    }
  });
  drawLoss(ui.plot, points, label);
  ui.plotCaption.textContent = `${estimatorName} on ${dataset.name}: each dot is one step's −objective; the line is their moving average.`;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  switch (outcome.kind) {
    case 'finished':
      ui.status.textContent = `finished ${outcome.steps} steps in ${seconds} s`;
      break;
    case 'stopped':
      ui.status.textContent = `stopped after ${outcome.steps} steps`;
      break;
    case 'failed':
      ui.status.textContent = `failed at step ${outcome.steps + 1}`;
      showError(outcome.error);
      break;
  }
  setRunning(false);
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!ui.run.disabled) void run();
});
ui.stop.addEventListener('click', () => controller?.abort());

// --- backend ---------------------------------------------------------------------------------------

startBackend(location.search).then(
  ({ name, how }) => {
    ui.backend.textContent = `backend: ${name}${how === 'auto' && name !== 'webgl' ? ' (WebGL unavailable)' : ''}`;
    ui.backend.dataset['backend'] = name;
    ui.run.disabled = false;
  },
  (error: unknown) => {
    ui.backend.textContent = 'backend: none';
    showError(error);
  },
);
