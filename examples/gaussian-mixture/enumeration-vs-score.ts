/**
 * Enumeration against score-function gradients on the gallery's Gaussian mixture (docs/enumeration.md):
 * the same model and params fitted (a) with c summed out (`{ enumerate: true }`, empty guide) and (b) with
 * c sampled from the amortised guide q(c | x) (score-function gradients with baselines). Both are scored
 * by the exact log-likelihood of their current params (the enumerated model's log weight), against
 * EM's maximum in float64 (independent of the library). Prints steps and seconds until each fit is
 * within `--tolerance` nats of it.
 *
 *   npx tsx examples/gaussian-mixture/enumeration-vs-score.ts [--points 200] [--steps 5000] [--lr 0.01] [--tolerance 1]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { adam, drawWeighted, elbo, svi } from '../../src/inference/index.js';
import { clearParamStore, ready, Stream } from '../../src/index.js';
import { mixtureRows } from '../data/synthetic.js';
import { gaussianMixture } from './model.js';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '200' },
    steps: { type: 'string', default: '5000' },
    lr: { type: 'string', default: '0.01' },
    tolerance: { type: 'string', default: '1' },
    every: { type: 'string', default: '25' },
  },
});
const [n, maxSteps, lr, tolerance, every] = [values.points, values.steps, values.lr, values.tolerance, values.every].map(Number) as [number, number, number, number, number];

await ready();
const rows = mixtureRows(n, Stream.fromSeed('gaussian-mixture-enumeration'));
const x = tf.tensor2d(rows, [n, 2]);
const K = 3;
const INIT = [[-2, 0], [0, 2], [2, 0]];

/** EM for the same model (shared isotropic scale), from the same start: the maximum log-likelihood. */
function emMaximum(): number {
  const pts = Array.from({ length: n }, (_, i) => [rows[2 * i]!, rows[2 * i + 1]!] as const);
  let pi = [1 / 3, 1 / 3, 1 / 3];
  let mu = INIT.map((m) => [...m]);
  let s2 = 1;
  let logLik = -Infinity;
  for (let it = 0; it < 5000; it++) {
    let total = 0;
    const resp = pts.map(([a, b]) => {
      const lp = mu.map(([m0, m1], k) => Math.log(pi[k]!) - ((a - m0!) ** 2 + (b - m1!) ** 2) / (2 * s2) - Math.log(2 * Math.PI * s2));
      const top = Math.max(...lp);
      const z = top + Math.log(lp.reduce((acc, l) => acc + Math.exp(l - top), 0));
      total += z;
      return lp.map((l) => Math.exp(l - z));
    });
    logLik = total;
    const nk = [0, 1, 2].map((k) => resp.reduce((acc, r) => acc + r[k]!, 0));
    pi = nk.map((v) => v / n);
    mu = [0, 1, 2].map((k) => [0, 1].map((j) => resp.reduce((acc, r, i) => acc + r[k]! * pts[i]![j]!, 0) / nk[k]!));
    s2 = resp.reduce((acc, r, i) => acc + [0, 1, 2].reduce((b, k) => b + r[k]! * ((pts[i]![0] - mu[k]![0]!) ** 2 + (pts[i]![1] - mu[k]![1]!) ** 2), 0), 0) / (2 * n);
  }
  return logLik;
}

const exactModel = gaussianMixture(K, { enumerate: true });
/** log p(x) at the current params: the enumerated model's log weight (no latents left to draw). */
const logLikelihood = (): number =>
  tf.tidy(() => tf.sum(drawWeighted({ model: exactModel.model, guide: exactModel.guide, args: [x], vectorize: true }, 1, Stream.fromSeed(0)).logWeights()).dataSync()[0]!);

interface Outcome {
  readonly reached: number | undefined;
  readonly seconds: number | undefined;
  readonly final: number;
  readonly stepsRun: number;
}

function race(label: string, programs: { model: (x: tf.Tensor) => void; guide: (x: tf.Tensor) => void }, target: number): Outcome {
  clearParamStore();
  const fit = svi(programs.model, programs.guide, { estimator: elbo(), optimizer: adam({ lr }), seed: 1 });
  const start = performance.now();
  let reached: number | undefined;
  let seconds: number | undefined;
  let final = -Infinity;
  let step = 0;
  let evalTime = 0;
  while (step < maxSteps) {
    fit.step(x);
    step++;
    if (step % every === 0 || step === maxSteps) {
      const t = performance.now();
      final = logLikelihood();
      evalTime += performance.now() - t;
      if (reached === undefined && final > target - tolerance) {
        reached = step;
        seconds = (performance.now() - start - evalTime) / 1000;
        break;
      }
    }
  }
  console.log(`${label}: ${reached === undefined ? `not within ${tolerance} nats after ${step} steps` : `within ${tolerance} nats at step ${reached} (${seconds!.toFixed(1)} s of steps)`}; log p(x) ${final.toFixed(2)}; mode ${fit.mode}`);
  return { reached, seconds, final, stepsRun: step };
}

const target = emMaximum();
console.log(`${n} points; EM's maximum log-likelihood ${target.toFixed(3)}; adam lr ${lr}; checked every ${every} steps`);
const enumerated = race('enumerated (c summed out)', exactModel, target);
const score = race('score function (c from q(c | x))', gaussianMixture(K), target);
if (enumerated.reached && score.reached) console.log(`steps ratio ${(score.reached / enumerated.reached).toFixed(1)}x, time ratio ${(score.seconds! / enumerated.seconds!).toFixed(1)}x`);
x.dispose();
