/**
 * Ruiz et al. sec. 6.1 on our PPCA (examples/ppca: D = 5, d = 2, noise variance 0.1): how far the
 * theta0-gradient estimates of the ELBO (K particles), IWAE, C-ISIR and C-ISIR-DISIR are from the exact gradient of log p(x), as
 * the number of particles K grows. The params are frozen mid-training (IWAE-5 steps from the example's
 * initial values), so the guide is decent but not the posterior and every estimator has work to do.
 *
 *   npx tsx examples/reproduce/ppca-gradients.ts                        # K = 2, 5, 10, 20
 *   npx tsx examples/reproduce/ppca-gradients.ts --ks 2,5 --reps 200 --reps-iwae 1000 --out /tmp   # a smoke run
 *   npx tsx examples/reproduce/ppca-gradients.ts --summary-only         # summary.md again from reproduction/gradients.json
 *   npx tsx examples/reproduce/ppca-gradients.ts --estimators elbo      # those rows only, merged into gradients.json
 *
 * Writes <out>/ppca/reproduction/gradients.json (per row: mean error, standard errors, RMSE) and
 * <out>/ppca/summary.md (the table and what it shows; the gallery's ppca page shows it).
 * Each estimate is one call of the public `gradients(...)` with its own seed; the error is the estimate
 * minus the exact d/d theta0 sum_i log p(x_i) (float64, examples/ppca/model.ts). Unbiased estimators'
 * mean errors are within a few standard errors of zero at every K; a biased one's are not.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adam, cisir, elbo, gradients, iwae, svi, type Estimator } from '../../src/inference/index.js';
import { clearParamStore, param, ready, Stream } from '../../src/index.js';
import { example } from '../ppca/example.js';
import { exactGradTheta0 } from '../ppca/model.js';

const { values } = parseArgs({
  options: {
    ks: { type: 'string', default: '2,5,10,20' },
    // IWAE's bias is small next to its spread, and its estimates are cheap: it gets more of them (Ruiz et al. 50,000).
    reps: { type: 'string', default: '5000' },
    'reps-iwae': { type: 'string', default: '50000' },
    datapoints: { type: 'string', default: '10' },
    'warm-up': { type: 'string', default: '100' },
    out: { type: 'string', default: 'examples/results' },
    'summary-only': { type: 'boolean', default: false },
    // Some estimators only, their rows replacing those of the same K in gradients.json (same frozen params, checked).
    estimators: { type: 'string' },
  },
});
const ks = values.ks!.split(',').map(Number);
const chainReps = Number(values.reps);
const datapoints = Number(values.datapoints);
const LATENT = 2;
/** With 5 components, max_j |mean_j| / se_j exceeds this with probability ~0.2% for an unbiased estimator. */
const BIAS_Z = 3.5;

/** One estimator's errors at one K: per replicate, the error vector over theta0's components. */
export interface GradientErrors {
  readonly estimator: string;
  readonly k: number;
  readonly reps: number;
  /** Mean error per component and its standard error. */
  readonly mean: readonly number[];
  readonly standardError: readonly number[];
  /** max_j |mean_j| / se_j: above ~3.5 (5 components) the estimator is biased at this K. */
  readonly maxZ: number;
  /** Root mean squared error of the whole vector: bias and variance together. */
  readonly rmse: number;
  readonly secondsPerEstimate: number;
  /** C-ISIR: mean meeting time (capped pairs at the cap) and pairs capped at maxIterations (biased ones). */
  readonly meetingTime?: number;
  readonly capped?: number;
}

const ALL_ESTIMATORS: readonly { readonly name: string; readonly reps: number; readonly make: (k: number) => Estimator }[] = [
  // The ELBO with K particles: more particles lower its variance, never its bias.
  { name: 'elbo', reps: Number(values['reps-iwae']), make: (k) => elbo({ particles: k }) },
  { name: 'iwae', reps: Number(values['reps-iwae']), make: (k) => iwae({ k }) },
  { name: 'cisir (isir)', reps: chainReps, make: (k) => cisir({ k, lag: 10, kernel: 'isir', adaptBeta: false }) },
  { name: 'cisir (isir-disir)', reps: chainReps, make: (k) => cisir({ k, lag: 10, kernel: 'isir-disir', adaptBeta: false }) },
];
const chosen = values.estimators?.split(',');
for (const name of chosen ?? []) if (!ALL_ESTIMATORS.some((e) => e.name === name)) throw new Error(`--estimators: unknown '${name}'; known: ${ALL_ESTIMATORS.map((e) => e.name).join(', ')}`);
const ESTIMATORS = chosen ? ALL_ESTIMATORS.filter((e) => chosen.includes(e.name)) : ALL_ESTIMATORS;

async function measure(): Promise<Measured> {
  await ready();
  const loaded = await example.load(1, false);
  if ('skipped' in loaded) throw new Error(loaded.skipped);
  const rows = Array.from({ length: datapoints }, (_, i) => i);
  const [x] = loaded.train.batch(rows, Stream.fromSeed(0));
  const xValues = x!.dataSync() as Float32Array;
  clearParamStore();
  const built = example.build(loaded);
  const model = (b: tf.Tensor): void => built.model([b]);
  const guide = (b: tf.Tensor): void => built.guide([b]);

  // Freeze the params part-way through an IWAE-5 fit on the training set.
  const fit = svi(model, guide, { estimator: iwae({ k: 5 }), optimizer: adam({ lr: 0.05 }), seed: 'ppca-gradients-warm-up' });
  const [all] = loaded.train.batch(Array.from({ length: loaded.train.count }, (_, i) => i), Stream.fromSeed(0));
  for (let s = 0; s < Number(values['warm-up']); s++) fit.step(all!);
  all!.dispose();
  const theta0 = param('theta0').dataSync() as Float32Array;
  const theta1 = param('theta1').dataSync() as Float32Array;
  const exact = Array.from(exactGradTheta0(xValues, theta0, theta1, LATENT));

  const results: GradientErrors[] = [];
  for (const k of ks) {
    for (const spec of ESTIMATORS) {
      const estimator = spec.make(k);
      const reps = spec.reps;
      const errors: number[][] = [];
      let meeting = 0;
      let capped = 0;
      const start = performance.now();
      for (let r = 0; r < reps; r++) {
        // train: 'model' leaves phi alone: every estimate is at the same params.
        const g = gradients(model, guide, [x!], { estimator, seed: `ppca-gradients ${spec.name} K ${k} rep ${r}`, train: 'model' });
        // The loss is minus the objective: its gradient is minus the estimate of d log p(x) / d theta0.
        const estimate = Array.from(g.grads['theta0']!.dataSync(), (v) => -v);
        errors.push(estimate.map((v, j) => v - exact[j]!));
        meeting += g.stats['meetingMeanCappedAtCap'] ?? 0;
        capped += g.stats['capped'] ?? 0;
        tf.dispose(Object.values(g.grads));
      }
      const seconds = (performance.now() - start) / 1000;
      const dims = exact.length;
      const mean = Array.from({ length: dims }, (_, j) => errors.reduce((a, e) => a + e[j]!, 0) / reps);
      const standardError = mean.map((m, j) => Math.sqrt(errors.reduce((a, e) => a + (e[j]! - m) ** 2, 0) / (reps - 1) / reps));
      const result: GradientErrors = {
        estimator: spec.name,
        k,
        reps,
        mean,
        standardError,
        maxZ: Math.max(...mean.map((m, j) => Math.abs(m) / standardError[j]!)),
        rmse: Math.sqrt(errors.reduce((a, e) => a + e.reduce((s, v) => s + v * v, 0), 0) / reps),
        secondsPerEstimate: seconds / reps,
        ...(spec.name.startsWith('cisir') ? { meetingTime: meeting / reps, capped } : {}),
      };
      results.push(result);
      console.log(`${spec.name} K = ${k}: max |mean error| / se = ${result.maxZ.toFixed(2)}, RMSE ${result.rmse.toFixed(4)}, ${(1000 * result.secondsPerEstimate).toFixed(1)} ms per estimate`);
    }
  }
  x!.dispose();
  return { protocol: { datapoints, warmUpSteps: Number(values['warm-up']), exactGradTheta0: exact, theta0: Array.from(theta0) }, results };
}

interface Measured {
  readonly protocol: { readonly datapoints: number; readonly warmUpSteps: number; readonly exactGradTheta0: readonly number[]; readonly theta0: readonly number[] };
  readonly results: readonly GradientErrors[];
}

/** Which Ks show a bias, and whether DISIR beats ISIR on error at each K: the paper's two claims, read off. */
function findings(results: readonly GradientErrors[]): string {
  const names = [...new Set(results.map((r) => r.estimator))];
  const biased = names.map((n) => {
    const ks = results.filter((r) => r.estimator === n && r.maxZ > BIAS_Z).map((r) => r.k);
    return `${n}: ${ks.length ? `K = ${ks.join(', ')}` : 'at no K'}`;
  });
  const disir = [...new Set(results.map((r) => r.k))].map((k) => {
    const isir = results.find((r) => r.k === k && r.estimator === 'cisir (isir)');
    const both = results.find((r) => r.k === k && r.estimator === 'cisir (isir-disir)');
    return isir && both ? `K = ${k}: ${both.rmse.toFixed(3)} vs ${isir.rmse.toFixed(3)}` : '';
  });
  return (
    `- Mean error beyond ${BIAS_Z} standard errors (biased) for ${biased.join('; ')}.\n` +
    `- RMSE of C-ISIR-DISIR vs C-ISIR: ${disir.filter(Boolean).join('; ')}.\n`
  );
}

function writeSummary(dir: string, measured: Measured): void {
  const { protocol, results } = measured;
  const table = [
    '| estimator | K | reps | norm of the mean error | max_j abs(mean error_j) / se_j | RMSE | ms per estimate | mean meeting time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.estimator} | ${r.k} | ${r.reps} | ${Math.hypot(...r.mean).toFixed(3)} | ${r.maxZ.toFixed(2)} | ${r.rmse.toFixed(4)} | ${(1000 * r.secondsPerEstimate).toFixed(1)} | ${r.meetingTime === undefined ? '' : r.meetingTime.toFixed(1)} |`,
    ),
  ].join('\n');
  const ks = [...new Set(results.map((r) => r.k))].join(',');
  // Rows remeasured with more estimates (--estimators ... --ks ... --reps N, merged): their command too.
  const chainRows = results.filter((r) => r.estimator.startsWith('cisir'));
  const baseReps = chainRows[0]?.reps;
  const more = chainRows.filter((r) => r.reps !== baseReps);
  const remeasured = more.length > 0
    ? `; then \`--estimators "${[...new Set(more.map((r) => r.estimator))].join(',')}" --ks ${[...new Set(more.map((r) => r.k))].join(',')} --reps ${more[0]!.reps}\` for the rows with ${more[0]!.reps} estimates`
    : '';
  writeFileSync(
    join(dir, 'summary.md'),
    `# ppca: gradient estimates against the exact gradient (Ruiz et al. sec. 6.1)\n\n` +
      `Command: \`npx tsx examples/reproduce/ppca-gradients.ts --ks ${ks} --reps ${baseReps} --reps-iwae ${results.find((r) => r.estimator === 'iwae')?.reps}\`${remeasured}. d/d theta0 of ` +
      `sum_i log p(x_i) over ${protocol.datapoints} training points, at params frozen after ${protocol.warmUpSteps} IWAE-5 steps; ` +
      `each row's estimates have their own seeds, each error is against the exact gradient (float64). With 5 components, ` +
      `max |mean| / se above ${BIAS_Z} says the estimator is biased at that K (the norm of the exact gradient is ` +
      `${Math.hypot(...protocol.exactGradTheta0).toFixed(2)}). Ruiz et al. (sec. 6.1, 50,000 estimates each): ` +
      `ELBO and IWAE biased, C-ISIR and C-ISIR-DISIR centred on zero error, DISIR with the lower variance.\n\n${table}\n\n${findings(results)}`,
  );
}

const dir = join(values.out!, 'ppca');
mkdirSync(dir, { recursive: true });
mkdirSync(join(dir, 'reproduction'), { recursive: true });
const file = join(dir, 'reproduction', 'gradients.json');
const measured: Measured = values['summary-only'] ? (JSON.parse(readFileSync(file, 'utf8')) as Measured) : merged(await measure());
if (!values['summary-only']) writeFileSync(file, `${JSON.stringify(measured, null, 1)}\n`);

/** With --estimators, the new rows in place of the old ones of the same estimator and K, at the same frozen params. */
function merged(fresh: Measured): Measured {
  if (!chosen || !existsSync(file)) return fresh;
  const old = JSON.parse(readFileSync(file, 'utf8')) as Measured;
  // The warm-up is seeded, but a change in float32 rounding (a kernel's, a gradient's) moves the frozen
  // params in their last digits; each row's errors are against its own run's exact gradient, so rows
  // that close together still compare. Further apart, they measure other params: keep the new rows apart.
  const moved = Math.max(...old.protocol.theta0.map((v, j) => Math.abs(v - fresh.protocol.theta0[j]!) / (1 + Math.abs(v))));
  if (!(moved <= 1e-4)) {
    const aside = file.replace(/\.json$/, '.unmerged.json');
    writeFileSync(aside, `${JSON.stringify(fresh, null, 1)}\n`);
    throw new Error(`${file} was measured at other params (theta0 moved by ${moved.toExponential(2)} relative; another warm-up or datapoints): the new rows are in ${aside}; rerun every estimator`);
  }
  if (moved > 0) console.log(`frozen theta0 differs from ${file}'s by ${moved.toExponential(2)} (relative, float32 rounding): merged`);
  const order = ALL_ESTIMATORS.map((e) => e.name);
  const replaced = (r: GradientErrors) => fresh.results.some((f) => f.estimator === r.estimator && f.k === r.k);
  const results = [...old.results.filter((r) => !replaced(r)), ...fresh.results].sort((a, b) => a.k - b.k || order.indexOf(a.estimator) - order.indexOf(b.estimator));
  return { protocol: old.protocol, results };
}
writeSummary(dir, measured);
