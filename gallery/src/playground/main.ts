/**
 * The playground page: wires the editor, the pickers, the training loop, the stats and the plot. The
 * page takes `?dataset=<name>` (which data set to start with) and `?backend=webgl|wasm|cpu` (without it
 * the page times the model on each backend and runs on the fastest: see `pickBackend`).
 */
import './playground.css';
import { formatDiagnostics, type Diagnostic } from '../../../src/dsl/lang/index.js';
import { RouletteError } from '../../../src/runtime/index.js';
import { chooseFastest, describeTimings, startBackend, wasmFeatures, type StartedBackend, type Timing } from './backend.js';
import { DATASETS, datasetNamed, describeData, type ArrayData, type Dataset, type DatasetName } from './datasets.js';
import { createEditor } from './editor.js';
import { createEstimatorForm } from './estimator-form.js';
import { PlaygroundError } from './errors.js';
import { MODELS } from './models.js';
import { drawLoss, type LossPoint } from './plot.js';
import { compileProgram, GUIDE_CHOICES, type GuideChoice } from './program.js';
import { timeSteps, train, type RunSettings } from './runner.js';
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

let backend: StartedBackend | undefined;

function showBackend(name: string, how: string, title: string): void {
  ui.backend.textContent = `backend: ${name} (${how})`;
  ui.backend.title = title;
  ui.backend.dataset['backend'] = name;
}

async function wasmNote(): Promise<string> {
  if (!backend?.available.includes('wasm')) return '';
  const { simd, threads } = await wasmFeatures();
  return `; wasm runs with SIMD ${simd ? 'on' : 'off'} and threads ${threads ? 'on' : 'off (the page is not cross-origin isolated)'}`;
}

/**
 * Times the page's fit as it is at load (the data set's model and estimator) on every available backend
 * and switches to the fastest. Once per page load: re-timing whenever the model changed would be
 * cheap on wasm (about 0.2 s) but not on WebGL, whose first step of every new model compiles its
 * shaders (1-2.5 s in headless Chromium's software WebGL; ML-RR, whose random levels change the
 * shapes, kept compiling for 6 s). Reload the page, or give `?backend=`, to choose again.
 */
async function pickBackend(): Promise<void> {
  let trials: RunSettings[];
  try {
    // Read the page once (the trials run the same fit even if the page changes meanwhile), with
    // fresh program and estimator objects per trial.
    trials = backend!.available.map(() => settingsFromPage());
  } catch {
    showBackend(backend!.name, 'auto: not timed', "the page's model did not compile at load, so the first backend that initialised runs it");
    return;
  }
  const { name, timings } = await chooseFastest(
    backend!.available,
    () => timeSteps(trials.shift()!),
    (trying) => showBackend(`timing ${trying}…`, 'auto', 'timing a few steps of the model on each backend'),
  );
  const trialTimes = timings.flatMap((t) => ('trialMs' in t ? [`${t.backend} ${Math.round(t.trialMs)} ms`] : []));
  const failures = timings.filter((t): t is Extract<Timing, { error: string }> => 'error' in t).map((t) => `${t.backend}: ${t.error}`);
  const title =
    `the tfjs backend roulette runs on: the fastest on a few steps of ${dataset.name}'s model with ${ui.estimator.value}, timed at page load ` +
    `(?backend= forces one); the trials took ${trialTimes.join(', ')}${failures.length ? `; failed: ${failures.join('; ')}` : ''}${await wasmNote()}`;
  showBackend(name, `auto: ${describeTimings(timings)}`, title);
}

startBackend(location.search)
  .then(async (started) => {
    backend = started;
    const note = await wasmNote();
    if (started.forced !== undefined) {
      showBackend(started.name, `?backend=${started.forced}`, `the tfjs backend roulette runs on, as the URL asks${note}`);
    } else if (started.available.length <= 1) {
      const missing = ['wasm', 'webgl'].filter((b) => !(started.available as readonly string[]).includes(b)).map((b) => (b === 'webgl' ? 'WebGL' : b));
      showBackend(started.name, `auto: ${missing.join(' and ')} unavailable`, `the only backend that initialised in this browser${note}`);
    } else {
      await pickBackend();
    }
    ui.run.disabled = false;
  })
  .catch((error: unknown) => {
    ui.backend.textContent = 'backend: none';
    showError(error);
  });
