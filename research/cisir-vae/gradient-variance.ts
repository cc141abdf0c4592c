/**
 * What one decoder gradient from each estimator is worth, at a cached pretraining checkpoint: on one
 * fixed minibatch of training digits, `--replicates` independent estimates of d log p(x) / d theta from
 * IWAE-10 and from C-ISIR-DISIR (L = 10, refined proposals) with several burn-ins t0, averaging
 * windows, proposal widenings and particle counts K. Reports per estimator the total variance (sum over the decoder's weights), the seconds per
 * estimate, and the squared distance of its mean from the pooled C-ISIR-DISIR mean with the noise part
 * taken out: for IWAE that is its squared bias, for an unbiased estimator it should be near zero.
 * Writes <out>/gradient-variance.json.
 *
 *   npx tsx research/cisir-vae/gradient-variance.ts --epochs 300 [--replicates 30] [--windows 1:10,20:10,20:30]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cisir, gradients, iwae, leadingAxisDatapoints, type Estimator } from '../../src/inference/index.js';
import { getParamStore, ready, Stream } from '../../src/index.js';
import { binarisedBatch } from '../../examples/data/mnist.js';
import { CHECKPOINT_OPTIONS, loadCachedCheckpoint, vaeSetup } from './pretrain.js';

const { values: opts } = parseArgs({
  options: {
    ...CHECKPOINT_OPTIONS,
    epochs: { type: 'string', default: '300' },
    replicates: { type: 'string', default: '30' },
    // t0:window pairs for C-ISIR-DISIR (t0 = 1, window = L = 10 is Ruiz et al.'s estimator).
    windows: { type: 'string', default: '1:10,20:10,20:30' },
    'refine-steps': { type: 'string', default: '50' },
    // Widen the refined proposal's scales by these factors (one C-ISIR-DISIR row per t0:window and factor).
    inflate: { type: 'string', default: '1' },
    // Particles per chain state (one row per value).
    particles: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    out: { type: 'string', default: 'research/cisir-vae/results' },
  },
});
const n = (s: string | undefined): number => Number.parseInt(s!, 10);

/** Running sums of one estimator's flattened gradients (float64, so the variance does not cancel). */
class Moments {
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  count = 0;
  constructor(size: number) {
    this.sum = new Float64Array(size);
    this.sumSq = new Float64Array(size);
  }
  add(g: Float32Array): void {
    for (let i = 0; i < g.length; i++) {
      this.sum[i]! += g[i]!;
      this.sumSq[i]! += g[i]! * g[i]!;
    }
    this.count++;
  }
  mean(): Float64Array {
    return this.sum.map((s) => s / this.count);
  }
  /** Sum over components of the unbiased per-component variance. */
  totalVariance(): number {
    let v = 0;
    for (let i = 0; i < this.sum.length; i++) v += (this.sumSq[i]! - this.sum[i]! ** 2 / this.count) / (this.count - 1);
    return v;
  }
}

const squaredDistance = (a: Float64Array, b: Float64Array): number => a.reduce((acc, ai, i) => acc + (ai - b[i]!) ** 2, 0);
const squaredNorm = (a: Float64Array): number => a.reduce((acc, ai) => acc + ai * ai, 0);

const backend = await ready();
const { data, bias, model, guide, key } = vaeSetup(opts);
const pick = Stream.fromSeed('gradient-variance');
const rows = Array.from({ length: n(opts.batch) }, () => pick.int(data.train.count));
const x = binarisedBatch(data.train, rows, pick);
await loadCachedCheckpoint(model, guide, x, opts, key);
const theta = getParamStore().names('model');

const flatModelGradient = (estimator: Estimator, seed: string): { flat: Float32Array; stats: Readonly<Record<string, number>> } => {
  const r = gradients(model, guide, [x], { model: estimator, guide: iwae({ k: 10, dreg: true }), seed });
  const flat = tf.tidy(() => tf.concat(theta.map((name) => tf.reshape(r.grads[name]!, [-1]))).dataSync() as Float32Array);
  for (const g of Object.values(r.grads)) g.dispose();
  return { flat, stats: r.stats };
};

// One estimator per variant: cisir's beta adapts across its estimates (warm-up ones included) as in training.
const variants: { name: string; estimator: Estimator }[] = [
  { name: 'iwae-10', estimator: iwae({ k: 10 }) },
  ...opts.windows!.split(',').flatMap((spec) =>
    opts.inflate!.split(',').map(Number).flatMap((inflate) => opts.particles!.split(',').map(Number).map((k) => {
      const [t0, window] = spec.split(':').map(Number) as [number, number];
      const refine = n(opts['refine-steps']) > 0 ? { steps: n(opts['refine-steps']), inflate } : false;
      const estimator = cisir({ k, lag: 10, t0, window, maxIterations: 2000, selectDatapoints: leadingAxisDatapoints, refine });
      return { name: `c-isir-disir${k === 10 ? '' : ` K ${k}`} t0 ${t0} window ${window}${inflate === 1 ? '' : ` inflate ${inflate}`}`, estimator };
    })),
  ),
];

const size = flatModelGradient(iwae({ k: 10 }), 'size').flat.length;
const results = variants.map((variant) => {
  const { estimator } = variant;
  for (let w = 0; w < n(opts.warmup); w++) flatModelGradient(estimator, `${variant.name}-warmup-${w}`);
  const moments = new Moments(size);
  const meeting: number[] = [];
  // Meeting-time histogram summed over the replicates (the tail is what the variance hangs on).
  const tail: Record<string, number> = {};
  let seconds = 0;
  for (let r = 0; r < n(opts.replicates); r++) {
    const start = performance.now();
    const { flat, stats } = flatModelGradient(estimator, `${variant.name}-${r}`);
    seconds += (performance.now() - start) / 1000;
    moments.add(flat);
    if (stats['meetingMeanCappedAtCap'] !== undefined) meeting.push(stats['meetingMeanCappedAtCap']);
    for (const [key, value] of Object.entries(stats)) {
      if (/^meeting(Le|Gt)\d+$/.test(key) || key === 'capped') tail[key] = (tail[key] ?? 0) + value;
      if (key === 'meetingMax') tail[key] = Math.max(tail[key] ?? 0, value);
    }
  }
  const out = {
    name: variant.name,
    moments,
    totalVariance: moments.totalVariance(),
    secondsPerEstimate: seconds / moments.count,
    meetingMean: meeting.length ? meeting.reduce((a, b) => a + b, 0) / meeting.length : undefined,
    tail,
  };
  console.log(
    `${variant.name}: total variance ${out.totalVariance.toPrecision(4)}, ${out.secondsPerEstimate.toFixed(2)} s per estimate` +
      (out.meetingMean === undefined ? '' : `, mean meeting time ${out.meetingMean.toFixed(1)}, pairs by meeting time ${JSON.stringify(tail)}`),
  );
  return out;
});

// The reference: the C-ISIR-DISIR means pooled by inverse variance (all unbiased for the same gradient).
const unbiased = results.filter((r) => r.name.startsWith('c-isir'));
const weights = unbiased.map((r) => r.moments.count / r.totalVariance);
const weightSum = weights.reduce((a, b) => a + b, 0);
const reference = new Float64Array(size);
unbiased.forEach((r, i) => r.moments.mean().forEach((m, j) => (reference[j]! += (weights[i]! / weightSum) * m)));
const referenceNoise = 1 / weightSum; // the pooled mean's total variance
const rowsOut = results.map((r) => {
  const own = r.totalVariance / r.moments.count;
  const isReference = unbiased.includes(r);
  // E||mean - reference||^2 = ||bias||^2 + own noise + reference noise (- 2 cov, for a pooled member: its share).
  const noise = isReference ? own - referenceNoise : own + referenceNoise;
  const squaredBias = squaredDistance(r.moments.mean(), reference) - noise;
  return {
    estimator: r.name,
    replicates: r.moments.count,
    totalVariance: r.totalVariance,
    secondsPerEstimate: r.secondsPerEstimate,
    // Variance per unit of wall-clock: what SGD pays for a given noise level.
    varianceTimesSeconds: r.totalVariance * r.secondsPerEstimate,
    squaredBias,
    squaredBiasNoise: noise,
    meanSquaredNorm: squaredNorm(r.moments.mean()),
    ...(r.meetingMean === undefined ? {} : { meetingMean: r.meetingMean, pairsByMeetingTime: r.tail }),
  };
});
console.table(rowsOut.map((r) => ({ ...r, totalVariance: r.totalVariance.toPrecision(4), squaredBias: r.squaredBias.toPrecision(3) })));
mkdirSync(opts.out!, { recursive: true });
writeFileSync(
  `${opts.out}/gradient-variance.json`,
  `${JSON.stringify({ command: 'npx tsx research/cisir-vae/gradient-variance.ts', backend, options: opts, components: size, referenceSquaredNorm: squaredNorm(reference), rows: rowsOut }, null, 2)}\n`,
);
x.dispose();
bias.dispose();
tf.disposeVariables();
