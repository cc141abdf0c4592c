/**
 * Shi & Cornish's bias/variance protocol on the linear Gaussian model (sec. 7.1; the estimators are
 * in docs/estimators.md): D = 20, 1024 datapoints, 10 perturbations of the optimum x 1000 realisations,
 * expected cost 6 .. 384 draws: IWAE with that many draws, ML-SS / ML-RR with r = 0.6 and l = 0..6, SUMO with
 * m = cost - 5. Writes examples/results/diagnostics/gaussian.json and gaussian.svg.
 *
 *   npm run diagnose:gaussian [-- --realisations 1000 --perturbations 10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { biasVariance, type BiasVarianceResult, type MeasuredEstimator, mlrr, mlss, sumo } from '../../src/inference/index.js';
import { ready, Stream } from '../../src/index.js';
import { dataset, exactProblem, perturbedOptimum } from './linear-gaussian.js';
import { loglogPanels, type Series } from './svg-plot.js';

const { values: opts } = parseArgs({
  options: {
    realisations: { type: 'string', default: '1000' },
    perturbations: { type: 'string', default: '10' },
    single: { type: 'string', default: '200000' },
    out: { type: 'string', default: 'examples/results/diagnostics' },
  },
});
const D = 20;
const R = Number(opts.realisations);
const PERTURBATIONS = Number(opts.perturbations);
const LEVELS = [0, 1, 2, 3, 4, 5, 6];
const cost = (l: number): number => (0.6 * 2 ** (l + 1)) / (1 - 2 * 0.4); // 6 * 2^l

function estimators(l: number): MeasuredEstimator[] {
  const c = Math.round(cost(l));
  return [
    { kind: 'iwae', name: 'IWAE', k: c },
    { kind: 'debiased', name: 'ML-SS', estimator: mlss({ r: 0.6, level: l }) },
    { kind: 'debiased', name: 'ML-RR', estimator: mlrr({ r: 0.6, level: l }) },
    { kind: 'debiased', name: 'SUMO', estimator: sumo({ m: c - 5 }) },
  ];
}

interface Row {
  readonly estimator: string;
  /** bias^2 from the mean error pooled over every perturbation's realisations (less noisy). */
  readonly pooledBias2: number;
  readonly pooledBias2SE: number;
  readonly pooledGradBias2: number;
  readonly cost: number;
  readonly measuredCost: number;
  readonly bias2: number;
  readonly variance: number;
  readonly gradBias2: number;
  readonly gradVariance: number;
  readonly bias2SE: number;
  readonly gradBias2SE: number;
}

async function main(): Promise<void> {
  const backend = await ready();
  const started = performance.now();
  const data = dataset(D, 1024, 'theta-true-1');
  const perturb = Stream.fromSeed('perturbations');
  const settings = Array.from({ length: PERTURBATIONS }, () => perturbedOptimum(data, 0.01, perturb));
  const rows: Row[] = [];
  for (const l of LEVELS) {
    for (const m of estimators(l)) {
      const results: BiasVarianceResult[] = settings.map((setting, p) =>
        biasVariance(m, exactProblem(data[p]!, setting), { realisations: R, seed: `${m.name}-${l}-${p}` }),
      );
      const avg = (f: (r: BiasVarianceResult) => number): number => results.reduce((a, r) => a + f(r), 0) / results.length;
      const se = (f: (r: BiasVarianceResult) => number): number => Math.sqrt(results.reduce((a, r) => a + f(r) ** 2, 0)) / results.length;
      const total = R * results.length;
      const pooled = (bias: number, variance: number): [number, number] => [
        bias * bias - variance / total,
        Math.sqrt((4 * bias * bias * variance) / total + (2 * variance * variance) / total ** 2),
      ];
      const [pooledBias2, pooledBias2SE] = pooled(avg((r) => r.logMarginal.bias), avg((r) => r.logMarginal.variance));
      rows.push({
        estimator: m.name,
        pooledBias2,
        pooledBias2SE,
        pooledGradBias2: pooled(avg((r) => r.gradient.bias), avg((r) => r.gradient.variance))[0],
        cost: Math.round(cost(l)),
        measuredCost: avg((r) => r.cost),
        bias2: avg((r) => r.logMarginal.bias2),
        bias2SE: se((r) => r.logMarginal.bias2SE),
        variance: avg((r) => r.logMarginal.variance),
        gradBias2: avg((r) => r.gradient.bias2),
        gradBias2SE: se((r) => r.gradient.bias2SE),
        gradVariance: avg((r) => r.gradient.variance),
      });
      const last = rows[rows.length - 1]!;
      console.log(`${m.name.padEnd(6)} cost ${String(Math.round(last.cost)).padStart(3)}: bias^2 ${last.bias2.toExponential(2)} (se ${last.bias2SE.toExponential(1)}; pooled ${last.pooledBias2.toExponential(2)}), var ${last.variance.toExponential(2)}, grad bias^2 ${last.gradBias2.toExponential(2)}, grad var ${last.gradVariance.toExponential(2)}`);
    }
  }
  // One datapoint at the exact optimum, many realisations (examples/results/diagnostics/README.md's single-x table).
  const optimum = perturbedOptimum(data, 0, perturb);
  const single = Object.fromEntries(
    [
      { kind: 'iwae', name: 'IWAE-6', k: 6 } as const,
      { kind: 'debiased', name: 'ML-SS', estimator: mlss({ r: 0.6 }) } as const,
      { kind: 'debiased', name: 'ML-RR', estimator: mlrr({ r: 0.6 }) } as const,
      { kind: 'debiased', name: 'SUMO m=1', estimator: sumo({ m: 1 }) } as const,
    ].map((m) => {
      const r = biasVariance(m, exactProblem(data[0]!, optimum), { realisations: Number(opts.single), seed: `single-${m.name}` });
      console.log(`one x, ${m.name}: bias ${r.logMarginal.bias.toFixed(4)} (se ${Math.sqrt(r.logMarginal.variance / r.realisations).toFixed(4)}), variance ${r.logMarginal.variance.toFixed(3)}`);
      return [m.name, { bias: r.logMarginal.bias, biasSE: Math.sqrt(r.logMarginal.variance / r.realisations), variance: r.logMarginal.variance, realisations: r.realisations, cost: r.cost }];
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(opts.out!, { recursive: true });
  const json = {
    command: 'npm run diagnose:gaussian',
    backend,
    seconds,
    protocol: { dim: D, datapoints: 1024, perturbations: PERTURBATIONS, perturbationSd: 0.01, realisations: R, r: 0.6, levels: LEVELS },
    rows,
    singleDatapoint: single,
  };
  writeFileSync(`${opts.out}/gaussian.json`, `${JSON.stringify(json, null, 2)}\n`);
  const names = ['IWAE', 'ML-SS', 'ML-RR', 'SUMO'];
  const series = (f: (r: Row) => number): Series[] => names.map((name) => ({ name, points: rows.filter((r) => r.estimator === name).map((r) => [r.cost, f(r)] as const) }));
  writeFileSync(
    `${opts.out}/gaussian.svg`,
    loglogPanels([
      { title: 'bias^2 of log p(x) (pooled)', series: series((r) => r.pooledBias2), xLabel: 'expected cost (draws)' },
      { title: 'variance of log p(x)', series: series((r) => r.variance), xLabel: 'expected cost (draws)' },
      { title: 'bias^2 of d/dtheta_1 (pooled)', series: series((r) => r.pooledGradBias2), xLabel: 'expected cost (draws)' },
      { title: 'variance of d/dtheta_1', series: series((r) => r.gradVariance), xLabel: 'expected cost (draws)' },
    ]),
  );
  console.log(`wrote ${opts.out}/gaussian.json and gaussian.svg in ${seconds.toFixed(0)} s`);
}

await main();
