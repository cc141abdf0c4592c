/**
 * The gallery's charts, all drawn with Observable Plot. Each chart is a <figure class="chart"> with a
 * `data-chart` name and a caption saying what is plotted and what is left out.
 */
import * as Plot from '@observablehq/plot';
import { h } from './dom.js';
import type { BiasVarianceRow, Curve, EpochRecord, Run, SgdPoint } from './types.js';

/** Each estimator keeps its colour on every page. */
const ESTIMATORS = ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'];
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#b07aa1'];
/** The colour scale for `names` (estimators, in ESTIMATORS' order): the legend lists only those present. */
function estimatorColour(names: readonly string[], legend = true) {
  const present = ESTIMATORS.filter((e) => names.includes(e));
  return { domain: present, range: present.map((e) => COLOURS[ESTIMATORS.indexOf(e)]!), legend } as const;
}

function chart(name: string, plot: Element, caption: string): HTMLElement {
  return h('figure', { class: 'chart', 'data-chart': name }, plot, h('figcaption', {}, caption));
}

/**
 * The y range of the later epochs: early objectives can be far below the rest (ppca starts 100
 * nats below where it ends) and would flatten every curve; returns null when nothing needs cutting.
 */
function laterRange(runs: readonly Run[]): [number, number] | null {
  const all = runs.flatMap((r) => r.epochs.map((e) => e.objective)).filter(Number.isFinite);
  const later = runs.flatMap((r) => r.epochs.slice(Math.max(1, Math.floor(r.epochs.length / 20))).map((e) => e.objective)).filter(Number.isFinite);
  if (later.length === 0) return null;
  const [lo, hi] = [Math.min(...later), Math.max(...later)];
  return Math.min(...all) < lo - (hi - lo) ? [lo - 0.05 * (hi - lo), Math.max(...all)] : null;
}

/** One line per estimator of `value` against epoch, with a pointer tip. */
function epochLines(
  runs: readonly Run[],
  points: readonly { estimator: string; epoch: number; value: number }[],
  y: { label: string; domain?: [number, number] },
  options: { height: number; dots?: boolean },
): Element {
  return Plot.plot({
    width: 760,
    height: options.height,
    marginLeft: 60,
    color: estimatorColour(runs.map((r) => r.estimator)),
    x: { label: 'epoch' },
    y: { grid: true, ...y },
    marks: [
      Plot.lineY(points, { x: 'epoch', y: 'value', stroke: 'estimator', clip: true, ...(options.dots ? { marker: 'dot' } : {}) }),
      Plot.tip(points, Plot.pointerX({ x: 'epoch', y: 'value', stroke: 'estimator' })),
    ],
  });
}

/** Per-epoch mean training objective of every run, one line per estimator. */
export function trainingCurves(runs: readonly Run[]): HTMLElement {
  const points = runs.flatMap((r) => r.epochs.map((e) => ({ estimator: r.estimator, epoch: e.epoch, value: e.objective })));
  const range = laterRange(runs);
  const plot = epochLines(runs, points, { label: 'objective (nats per datapoint)', ...(range ? { domain: range } : {}) }, { height: 340 });
  return chart(
    'training',
    plot,
    'Training objective per epoch (the mean over the epoch\'s steps of each estimator\'s own estimate: a bound for elbo and iwae, an unbiased log p(x) estimate for the debiased ones)' +
      (range ? '; the first epochs, far below, are cut off.' : '.'),
  );
}

/** The test log-likelihood over training (runs made with `--test-every`), or null when no run has one. */
export function testCurves(runs: readonly Run[]): HTMLElement | null {
  const points = runs.flatMap((r) =>
    r.epochs.flatMap((e) => (e.testLogLikelihood === undefined ? [] : [{ estimator: r.estimator, epoch: e.epoch, value: e.testLogLikelihood }])),
  );
  if (points.length === 0) return null;
  const draws = [...new Set(runs.map((r) => r.config.testEveryK).filter((k) => k !== undefined))].join(', ');
  const plot = epochLines(runs, points, { label: 'test log-likelihood (nats per datapoint)' }, { height: 300, dots: true });
  return chart('test-curve', plot, `Test log-likelihood during training (IWAE-${draws} per test point, after epoch 1 and every few epochs; the table below has the final IWAE-${runs[0]?.config.evalK ?? ''} values).`);
}

const statValue = (key: string) => (e: EpochRecord): number | undefined => e.stats[key];

/** Stats that change over training (constant ones, like k or lag, are settings and go in the table). */
export function varyingStats(runs: readonly Run[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.stats))))];
  return keys.filter((key) => runs.some((r) => new Set(r.epochs.map(statValue(key))).size > 1));
}

const STAT_LABELS: Readonly<Record<string, string>> = {
  K: 'level K drawn',
  Kmax: 'largest level K drawn',
  draws: 'draws used per datapoint',
  drawsComputed: 'draws computed per datapoint',
  cost: 'model evaluations per datapoint',
  gradNormModel: 'gradient norm, model',
  gradNormGuide: 'gradient norm, guide',
  meetingMean: 'mean meeting time',
  meetingMax: 'largest meeting time',
  capped: 'chains stopped at the cap',
  ess: 'effective sample size',
  beta: 'beta',
  iterations: 'chain iterations',
};

/**
 * One small chart per changing stat, a line per estimator that reports it. Stats that are equal
 * throughout (K and Kmax, draws and drawsComputed, while every step's numbers agree) share a chart.
 */
export function statCharts(runs: readonly Run[]): HTMLElement[] {
  const series = (key: string): string => JSON.stringify(runs.map((r) => r.epochs.map(statValue(key))));
  const groups = new Map<string, string[]>();
  for (const key of varyingStats(runs)) groups.set(series(key), [...(groups.get(series(key)) ?? []), key]);
  return [...groups.values()].map(([key, ...same]) => {
    if (key === undefined) throw new Error('a stat group is never empty');
    const points = runs.flatMap((r) => r.epochs.filter((e) => Number.isFinite(e.stats[key])).map((e) => ({ estimator: r.estimator, epoch: e.epoch, value: e.stats[key]! })));
    const plot = Plot.plot({
      width: 360,
      height: 200,
      marginLeft: 55,
      color: estimatorColour(runs.map((r) => r.estimator), false),
      x: { label: 'epoch' },
      y: { label: STAT_LABELS[key] ?? key, grid: true },
      marks: [Plot.lineY(points, { x: 'epoch', y: 'value', stroke: 'estimator' })],
    });
    const names = [key, ...same].join(' = ');
    return chart(`stat-${key}`, plot, `${STAT_LABELS[key] ?? key}: ${names}, mean over each epoch's steps.`);
  });
}

/** C-ISIR's meeting-time bins (src/inference/cisir.ts): pairs per step meeting within (previous, bound]. */
const MEETING_BIN = /^meeting(Le|Gt)(\d+)$/;

/**
 * The spread of C-ISIR's meeting times: every step reports how many chain pairs met in each bin of
 * iterations (and how many hit the cap); the result file keeps each epoch's mean per step, so the bars
 * are pairs per step averaged over the epochs.
 */
export function meetingHistogram(run: Run): HTMLElement {
  const epochs = run.epochs.filter((e) => Object.keys(e.stats).some((key) => MEETING_BIN.test(key)));
  const keys = Object.keys(epochs[0]?.stats ?? {}).filter((key) => MEETING_BIN.test(key));
  const bars = [...keys, 'capped']
    .filter((key) => epochs.some((e) => key in e.stats))
    .map((key) => {
      const match = MEETING_BIN.exec(key);
      const label = key === 'capped' ? 'capped' : match![1] === 'Le' ? `<= ${match![2]}` : `> ${match![2]}`;
      return { bin: label, pairs: epochs.reduce((acc, e) => acc + (e.stats[key] ?? 0), 0) / epochs.length };
    });
  const plot = Plot.plot({
    width: 360,
    height: 200,
    marginLeft: 45,
    x: { label: 'meeting time (iterations)', domain: bars.map((b) => b.bin) },
    y: { label: 'chain pairs per step', grid: true },
    marks: [Plot.barY(bars, { x: 'bin', y: 'pairs', fill: COLOURS[5] }), Plot.ruleY([0])],
  });
  return chart('meeting-times', plot, `Meeting times of the coupled chain pairs (${run.estimator}): pairs per step in each bin, averaged over ${epochs.length} epochs.`);
}

/** 'IWAE-6', 'ML-RR', 'SUMO m=1', 'C-ISIR-DISIR': the diagnostics' labels, as estimator names. */
function estimatorOf(label: string): string {
  const word = label.toLowerCase().split(' ')[0]!.replace(/-\d+$/, '');
  return word.startsWith('c-isir') ? 'cisir' : word.replace(/-/g, '');
}

/** The diagnostics' estimators in the colours they have on the example pages. */
function diagnosticColour(labels: readonly string[]) {
  return { domain: labels, range: labels.map((l) => COLOURS[ESTIMATORS.indexOf(estimatorOf(l))] ?? '#999'), legend: true } as const;
}

/** One log-log panel of the bias/variance study; non-positive values (bias^2 estimates consistent with zero) cannot be drawn and are counted in the caption. */
function biasVariancePanel(rows: readonly BiasVarianceRow[], key: 'bias2' | 'variance' | 'gradBias2' | 'gradVariance', title: string): HTMLElement {
  const points = rows.filter((r) => r[key] > 0);
  const names = [...new Set(rows.map((r) => r.estimator))];
  const plot = Plot.plot({
    width: 380,
    height: 260,
    marginLeft: 55,
    color: diagnosticColour(names),
    x: { type: 'log', label: 'expected cost (draws per datapoint)' },
    y: { type: 'log', label: title, grid: true },
    marks: [
      Plot.line(points, { x: 'cost', y: key, stroke: 'estimator' }),
      Plot.dot(points, { x: 'cost', y: key, fill: 'estimator', r: 3 }),
    ],
  });
  const dropped = rows.length - points.length;
  return chart(`bias-variance-${key}`, plot, `${title} against cost${dropped > 0 ? `; ${dropped} non-positive estimates (bias² indistinguishable from 0) not drawn on the log scale` : ''}.`);
}

export function biasVarianceCharts(rows: readonly BiasVarianceRow[]): HTMLElement[] {
  return [
    biasVariancePanel(rows, 'bias2', 'bias² of log p(x) estimate'),
    biasVariancePanel(rows, 'variance', 'variance of log p(x) estimate'),
    biasVariancePanel(rows, 'gradBias2', 'bias² of gradient estimate'),
    biasVariancePanel(rows, 'gradVariance', 'variance of gradient estimate'),
  ];
}

/** Distance to the maximum-likelihood theta along SGD, against steps and against draws. */
export function sgdCharts(trajectories: Readonly<Record<string, readonly SgdPoint[]>>): HTMLElement[] {
  const points = Object.entries(trajectories).flatMap(([estimator, path]) => path.map((p) => ({ estimator, ...p })));
  const colour = diagnosticColour(Object.keys(trajectories));
  const noisy = Object.values(trajectories)
    .filter((path) => path[path.length - 1]!.distance > 1e-6)
    .flatMap((path) => path.map((p) => p.distance));
  // Without a noisy run there is nothing to clip to: Plot picks the domain.
  const domain = noisy.length > 0 ? [Math.min(...noisy) / 2, Math.max(...noisy) * 1.2] : undefined;
  const panel = (x: 'step' | 'draws', label: string): HTMLElement =>
    chart(
      `sgd-${x}`,
      Plot.plot({
        width: 380,
        height: 260,
        marginLeft: 55,
        color: colour,
        x: { type: 'log', label },
        // Exact gradient descent falls to the float64 floor (1e-15): clip it at the noisy runs' scale.
        y: { type: 'log', label: '|theta - theta_ML|', grid: true, ...(domain ? { domain } : {}) },
        // Exact-gradient references draw nothing from the guide: no place on the draws axis.
        marks: [Plot.line(x === 'draws' ? points.filter((p) => p.draws > 0) : points, { x, y: 'distance', stroke: 'estimator', clip: true })],
      }),
      `Distance to the exact maximum-likelihood theta against ${label}.`,
    );
  return [panel('step', 'SGD step'), panel('draws', 'draws (cumulative)')];
}

/** A reproduction's curve: y against x, one line (with dots) per series, log axes where asked. */
export function reproductionCurve(curve: Curve, allSeries: readonly string[]): HTMLElement {
  const series = [...new Set(curve.points.map((p) => p.series))];
  const estimators = series.every((s) => ESTIMATORS.includes(s));
  const others = seriesColour(allSeries);
  const dots = curve.points.length <= 30 * series.length;
  const domain = curve.learning && !curve.y.log ? laterDomain(curve.points) : null;
  const plot = Plot.plot({
    width: 380,
    height: 280,
    marginLeft: 55,
    color: estimators ? estimatorColour(series) : others,
    x: { label: curve.x.label, ...(curve.x.log ? { type: 'log' as const } : {}) },
    y: { label: curve.y.label, grid: true, ...(curve.y.log ? { type: 'log' as const } : {}), ...(domain ? { domain } : {}) },
    marks: [
      Plot.line(curve.points, { x: 'x', y: 'y', stroke: 'series', clip: true, ...(dots ? { marker: 'dot' } : {}) }),
      Plot.tip(curve.points, Plot.pointer({ x: 'x', y: 'y', stroke: 'series', title: (p: Curve['points'][number]) => `${p.series}\n${curve.x.label} ${p.x}\n${curve.y.label} ${p.y.toPrecision(5)}` })),
    ],
  });
  return chart(curve.name, plot, domain ? `${curve.caption} The first points, far above or below the rest, are cut off.` : curve.caption);
}

/**
 * Learning curves start far from where they end (test NLL 4 at epoch 1, ~0.9 after): the y range of
 * the points past the first tenth of the x range, when the earlier ones would flatten the rest.
 */
function laterDomain(points: Curve['points']): [number, number] | null {
  if (points.length === 0) return null;
  const xs = points.map((p) => p.x);
  const cut = Math.min(...xs) + 0.1 * (Math.max(...xs) - Math.min(...xs));
  const later = points.filter((p) => p.x >= cut).map((p) => p.y);
  if (later.length === 0) return null;
  const [lo, hi] = [Math.min(...later), Math.max(...later)];
  const all = points.map((p) => p.y);
  const pad = 0.05 * (hi - lo || Math.abs(hi) || 1);
  return Math.min(...all) < lo - (hi - lo) || Math.max(...all) > hi + (hi - lo) ? [lo - pad, hi + pad] : null;
}

/**
 * Colours for labelled series ("IWAE-6", "cisir (isir-disir)", "GD (exact gradient)"), the same on every
 * chart of a page: an estimator's own colour for the first series of that estimator, others after.
 */
function seriesColour(labels: readonly string[]) {
  const extra = ['#9c755f', '#edc948', '#ff9da7', '#bab0ac', '#17becf', '#333333'];
  const used = new Set<string>();
  const range = labels.map((label) => {
    const own = COLOURS[ESTIMATORS.indexOf(estimatorOf(label))];
    const colour = own !== undefined && !used.has(own) ? own : (extra.find((c) => !used.has(c)) ?? '#999');
    used.add(colour);
    return colour;
  });
  return { domain: [...labels], range, legend: true } as const;
}
