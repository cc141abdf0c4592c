/**
 * SGD on theta of the linear Gaussian model, seed 000's figures 13-15: D = 20, 20 datapoints, a fixed
 * guide (the optimum's A and b perturbed by N(0, guideSd^2) noise, so that it is decent but not exact; at
 * 0.1 the 400 perturbed entries of A make it so poor that C-ISIR's chains stop meeting and ML-RR diverges),
 * theta started one unit from the maximum-likelihood theta (the data mean) in every coordinate.
 *
 * - fig. 13, gradient descent with the exact gradient sum_i (x_i - theta) / 2;
 * - fig. 14, SGD with the exact gradient of one datapoint drawn at random (times N);
 * - fig. 15, SGD with each estimator's theta-gradient on all 20 points at matched expected cost (6 draws
 *   per datapoint): unbiased estimators of grad log p(x) converge to theta_ML, IWAE-6 to its own fixed
 *   point, at a distance set by its bias.
 *
 * Every run uses lr_t = 0.5 / (N (1 + t / 100)). Writes examples/results/diagnostics/sgd.json (the distance
 * per checkpoint, geometric mean over seeds, drawn by the gallery's diagnostics page) and sgd.svg.
 *
 *   npm run diagnose:sgd [-- --steps 5000 --seeds 1,2,3 --guide-sd 0.03]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clearParamStore, dist, getParamStore, observe, param, plate, ready, sample, Stream } from '../../src/index.js';
import { cisir, iwae, mlrr, mlss, sgd, svi, sumo, type Estimator } from '../../src/inference/index.js';
import { dataset, GUIDE_SD, perturbedOptimum } from '../diagnostics/linear-gaussian.js';
import { loglogPanels } from '../diagnostics/svg-plot.js';

const { normal } = dist;

const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '5000' },
    seeds: { type: 'string', default: '1,2,3' },
    'guide-sd': { type: 'string', default: '0.03' },
    out: { type: 'string', default: 'examples/results/diagnostics' },
  },
});
const D = 20;
const N = 20;
const STEPS = Number(opts.steps);
const SEEDS = opts.seeds!.split(',').map(Number);
const GUIDE_PERTURBATION = Number(opts['guide-sd']);
const CHECKPOINTS = 100;
const lr = (t: number): number => 0.5 / (N * (1 + t / 100));

interface Point {
  readonly step: number;
  readonly draws: number;
  readonly distance: number;
}

const isCheckpoint = (step: number): boolean => step === 1 || step % Math.max(1, Math.floor(STEPS / CHECKPOINTS)) === 0;
const distanceTo = (theta: Float64Array, target: Float64Array): number => Math.hypot(...theta.map((v, j) => v - target[j]!));

/** Fig. 13 and 14: theta moved by the exact gradient, of all the data or of one random datapoint (times N). */
function exactDescent(data: readonly Float32Array[], thetaML: Float64Array, stochastic: Stream | undefined): Point[] {
  const theta = thetaML.map((v) => v + 1);
  const points: Point[] = [];
  for (let step = 1; step <= STEPS; step++) {
    const rows = stochastic ? [data[stochastic.int(N)]!] : data;
    const weight = stochastic ? N : 1;
    const grad = new Float64Array(D);
    for (const x of rows) for (let j = 0; j < D; j++) grad[j]! += (weight * (x[j]! - theta[j]!)) / 2;
    for (let j = 0; j < D; j++) theta[j]! += lr(step - 1) * grad[j]!;
    if (isCheckpoint(step)) points.push({ step, draws: 0, distance: distanceTo(theta, thetaML) });
  }
  return points;
}

const ESTIMATORS: readonly [string, () => Estimator][] = [
  ['IWAE-6', () => iwae({ k: 6 })],
  ['ML-SS', () => mlss({ r: 0.6 })],
  ['ML-RR', () => mlrr({ r: 0.6 })],
  ['SUMO m=1', () => sumo({ m: 1 })],
  ['C-ISIR-DISIR', () => cisir({ k: 6, lag: 5 })],
];

/** Fig. 15: one estimator's SGD run from one seed. */
function estimatorDescent(name: string, make: () => Estimator, x: tf.Tensor2D, thetaML: Float64Array, guideMean: tf.Tensor, seed: number): Point[] {
  const start = tf.tensor1d(Float32Array.from(thetaML, (v) => v + 1));
  const model = (): void => {
    const theta = param('theta', () => start.clone());
    plate('data', N, () => {
      const z = sample('z', normal(theta, 1).toEvent(1));
      observe('x', normal(z, 1).toEvent(1), x);
    });
  };
  const guide = (): void => {
    plate('data', N, () => {
      sample('z', normal(guideMean, GUIDE_SD).toEvent(1));
    });
  };
  clearParamStore();
  const fit = svi(model, guide, { model: make(), optimizer: sgd({ lr }), seed: `sgd-${name}-${seed}` });
  let draws = 0;
  const points: Point[] = [];
  for (let step = 1; step <= STEPS; step++) {
    draws += fit.step().cost * N;
    if (isCheckpoint(step)) {
      const theta = Float64Array.from(getParamStore().variable('theta').dataSync());
      points.push({ step, draws, distance: distanceTo(theta, thetaML) });
    }
  }
  start.dispose();
  clearParamStore();
  return points;
}

/** Geometric mean over seeds, checkpoint by checkpoint (the curves are read on log axes). */
function geometricMean(runs: readonly Point[][]): Point[] {
  return runs[0]!.map((p, i) => ({
    step: p.step,
    draws: runs.reduce((a, r) => a + r[i]!.draws, 0) / runs.length,
    distance: Math.exp(runs.reduce((a, r) => a + Math.log(r[i]!.distance), 0) / runs.length),
  }));
}

/** Least-squares slope of log distance on log step over the last 90% of the steps (the rate). */
function slope(points: readonly Point[]): number {
  const late = points.filter((p) => p.step >= STEPS / 10);
  const xs = late.map((p) => Math.log(p.step));
  const ys = late.map((p) => Math.log(p.distance));
  const mx = xs.reduce((a, v) => a + v, 0) / xs.length;
  const my = ys.reduce((a, v) => a + v, 0) / ys.length;
  return xs.reduce((a, v, i) => a + (v - mx) * (ys[i]! - my), 0) / xs.reduce((a, v) => a + (v - mx) ** 2, 0);
}

async function main(): Promise<void> {
  await ready();
  const started = performance.now();
  const data = dataset(D, N, 'sgd-data');
  const x = tf.tensor2d(data.map((row) => Array.from(row)));
  const thetaML = new Float64Array(D).map((_, j) => data.reduce((a, row) => a + row[j]!, 0) / N);
  const setting = perturbedOptimum(data, GUIDE_PERTURBATION, Stream.fromSeed('sgd-guide'));
  const guideMean = tf.add(tf.matMul(x, tf.tensor2d(setting.a, [D, D]), false, true), tf.tensor1d(setting.b));
  const perSeed: Record<string, Point[][]> = { 'GD (exact gradient)': [exactDescent(data, thetaML, undefined)] };
  perSeed['SGD (exact, one datapoint)'] = SEEDS.map((s) => exactDescent(data, thetaML, Stream.fromSeed(`sgd-exact-${s}`)));
  for (const [name, make] of ESTIMATORS) {
    perSeed[name] = SEEDS.map((s) => estimatorDescent(name, make, x, thetaML, guideMean, s));
    const last = perSeed[name]!.map((r) => r[r.length - 1]!);
    console.log(`${name.padEnd(14)} after ${STEPS} steps: |theta - theta_ML| = ${last.map((p) => p.distance.toExponential(2)).join(', ')} (seeds ${SEEDS.join(', ')})`);
  }
  const trajectories = Object.fromEntries(Object.entries(perSeed).map(([name, runs]) => [name, geometricMean(runs)]));
  const summary = Object.fromEntries(
    Object.entries(perSeed).map(([name, runs]) => [
      name,
      {
        finalDistance: runs.map((r) => r[r.length - 1]!.distance),
        draws: trajectories[name]![trajectories[name]!.length - 1]!.draws,
        slope: slope(trajectories[name]!),
      },
    ]),
  );
  for (const [name, s] of Object.entries(summary)) console.log(`${name.padEnd(28)} slope ${s.slope.toFixed(2)}, final ${s.finalDistance.map((d) => d.toExponential(2)).join(' ')}, draws ${s.draws.toExponential(2)}`);
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(opts.out!, { recursive: true });
  const command = `npm run diagnose:sgd -- --steps ${STEPS} --seeds ${SEEDS.join(',')} --guide-sd ${GUIDE_PERTURBATION}`;
  writeFileSync(
    `${opts.out}/sgd.json`,
    `${JSON.stringify({ command, seconds, dim: D, datapoints: N, steps: STEPS, seeds: SEEDS, guidePerturbation: GUIDE_PERTURBATION, summary, trajectories }, null, 1)}\n`,
  );
  const series = (key: 'step' | 'draws') =>
    Object.entries(trajectories)
      .filter(([, pts]) => key === 'step' || pts[0]!.draws > 0)
      .map(([name, pts]) => ({ name, points: pts.map((p) => [p[key], p.distance] as const) }));
  writeFileSync(
    `${opts.out}/sgd.svg`,
    loglogPanels([
      { title: '|theta - theta_ML| against steps', series: series('step'), xLabel: 'SGD steps' },
      { title: '|theta - theta_ML| against draws', series: series('draws'), xLabel: 'draws from the guide' },
    ]),
  );
  tf.dispose([x, guideMean]);
  console.log(`wrote ${opts.out}/sgd.json and sgd.svg in ${seconds.toFixed(0)} s`);
}

await main();
