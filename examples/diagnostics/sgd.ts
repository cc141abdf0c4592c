/**
 * SGD on theta of the linear Gaussian model (seed 000 figures 13-15): 20 datapoints, a fixed guide
 * (the perturbed optimum of the first experiment), and each estimator's theta-gradient at matched
 * expected cost (6 draws per datapoint). The exact maximum-likelihood theta is the data mean: unbiased
 * gradient estimators converge to it, biased ones (IWAE) to a nearby point. Writes
 * examples/results/diagnostics/sgd.json and sgd.svg (distance to theta_ML against steps and draws).
 *
 *   npm run diagnose:sgd [-- --steps 3000]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clearParamStore, dist, getParamStore, observe, param, plate, ready, sample, Stream } from '../../src/index.js';
import { cisir, iwae, mlrr, mlss, sgd, svi, sumo, type Estimator } from '../../src/inference/index.js';
import { dataset, GUIDE_SD, perturbedOptimum } from './linear-gaussian.js';
import { loglogPanels } from './svg-plot.js';

const { normal } = dist;

const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '3000' },
    out: { type: 'string', default: 'examples/results/diagnostics' },
  },
});
const D = 20;
const N = 20;
const STEPS = Number(opts.steps);

async function main(): Promise<void> {
  await ready();
  const started = performance.now();
  const data = dataset(D, N, 'sgd-data');
  const x = tf.tensor2d(data.map((row) => Array.from(row)));
  const thetaML = tf.mean(x, 0);
  const setting = perturbedOptimum(data, 0.01, Stream.fromSeed('sgd-guide'));
  const guideMean = tf.add(tf.matMul(x, tf.tensor2d(setting.a, [D, D]), false, true), tf.tensor1d(setting.b));
  const model = (): void => {
    const theta = param('theta', () => tf.add(thetaML, 1)); // start one unit away in every coordinate
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
  const runs: [string, () => Estimator][] = [
    ['IWAE-6', () => iwae({ k: 6 })],
    ['ML-SS', () => mlss({ r: 0.6 })],
    ['ML-RR', () => mlrr({ r: 0.6 })],
    ['SUMO m=1', () => sumo({ m: 1 })],
    ['C-ISIR-DISIR', () => cisir({ k: 6, lag: 5 })],
  ];
  const trajectories: Record<string, { step: number; draws: number; distance: number }[]> = {};
  for (const [name, make] of runs) {
    clearParamStore();
    const fit = svi(model, guide, { model: make(), optimizer: sgd({ lr: (t) => 0.5 / (N * (1 + t / 100)) }), seed: `sgd-${name}` });
    let draws = 0;
    const points: { step: number; draws: number; distance: number }[] = [];
    for (let step = 1; step <= STEPS; step++) {
      draws += fit.step().cost * N;
      if (step % Math.max(1, Math.floor(STEPS / 100)) === 0 || step === 1) {
        const distance = tf.tidy(() => tf.norm(tf.sub(getParamStore().variable('theta'), thetaML)).dataSync()[0]!);
        points.push({ step, draws, distance });
      }
    }
    trajectories[name] = points;
    const last = points[points.length - 1]!;
    console.log(`${name.padEnd(13)} after ${STEPS} steps (${last.draws.toExponential(2)} draws): |theta - theta_ML| = ${last.distance.toExponential(3)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(opts.out!, { recursive: true });
  writeFileSync(`${opts.out}/sgd.json`, `${JSON.stringify({ command: 'npm run diagnose:sgd', seconds, dim: D, datapoints: N, steps: STEPS, trajectories }, null, 2)}\n`);
  const series = (key: 'step' | 'draws') => Object.entries(trajectories).map(([name, pts]) => ({ name, points: pts.map((p) => [p[key], p.distance] as const) }));
  writeFileSync(
    `${opts.out}/sgd.svg`,
    loglogPanels([
      { title: '|theta - theta_ML| against steps', series: series('step'), xLabel: 'SGD steps' },
      { title: '|theta - theta_ML| against draws', series: series('draws'), xLabel: 'draws from the guide' },
    ]),
  );
  console.log(`wrote ${opts.out}/sgd.json and sgd.svg in ${seconds.toFixed(0)} s`);
}

await main();
