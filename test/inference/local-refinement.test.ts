import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { cisir, leadingAxisDatapoints } from '../../src/inference/cisir.js';
import type { Estimator } from '../../src/inference/estimator.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import { logLikelihood } from '../../src/inference/log-likelihood.js';
import { refineProposal, type Offsets } from '../../src/inference/local-refinement.js';
import type { Problem } from '../../src/inference/program.js';
import { clearParamStore, getParamStore, Stream } from '../../src/runtime/index.js';
import { exactLogMarginal, exactLogMarginalGradTheta, GUIDE_VARIANCE, guideMean, linearGaussian, resetParams, type LgParams } from '../helpers/linear-gaussian.js';
import { replicate } from '../helpers/replicate.js';
import { expectUnbiased, isBiased, summarise } from '../helpers/stats.js';
import { breather } from '../helpers/event-loop.js';

afterAll(() => clearParamStore());

/** The linear Gaussian model with a guide whose mean is well off the posterior's (uneven weights). */
function fixture(rows: number[][]) {
  const dim = rows[0]!.length;
  const P: LgParams = { theta: new Array<number>(dim).fill(0.8), a: new Array<number>(dim).fill(0.3), b: new Array<number>(dim).fill(-0.5) };
  const x = tf.tensor2d(rows);
  const { model, guide } = linearGaussian(dim);
  resetParams(model, guide, x, P);
  const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };
  // loss gradient = minus the estimate of d log p(x) / d theta_0
  const exact = -rows.reduce((acc, xi) => acc + exactLogMarginalGradTheta(xi, P)[0]!, 0);
  return { problem, P, exact };
}

const ROWS = [
  [1.4, -0.3, 2.2],
  [-1.1, 0.9, 0.2],
  [2.5, 1.7, -0.8],
];

describe('refineProposal', () => {
  it('moves each datapoint\'s proposal to its posterior N((theta + x) / 2, 1/2), the inclusive-KL optimum', () => {
    const { problem, P } = fixture(ROWS);
    const refined = refineProposal(problem, Stream.fromSeed('refine'), { steps: 400, k: 10, lr: 0.05 });
    const offsets = refined.problem.args[1] as Offsets;
    const delta = offsets['z']!.loc.arraySync() as number[][];
    const logScale = offsets['z']!.logScale.arraySync() as number[][];
    ROWS.forEach((xi, n) => {
      const before = guideMean(xi, P);
      xi.forEach((xj, j) => {
        const posteriorMean = (P.theta[j]! + xj) / 2;
        expect(before[j]! + delta[n]![j]!, `loc, datapoint ${n}, dim ${j}`).toBeCloseTo(posteriorMean, 1);
        expect(Math.sqrt(GUIDE_VARIANCE) * Math.exp(logScale[n]![j]!), `scale, datapoint ${n}, dim ${j}`).toBeCloseTo(Math.sqrt(0.5), 1);
      });
    });
    expect(refined.gain).toBeGreaterThan(0);
    refined.dispose();
  });

  it('widens the fitted scales by exactly the inflate factor, and leaves the locs alone', () => {
    const { problem } = fixture(ROWS);
    const fit = (inflate: number) => {
      const refined = refineProposal(problem, Stream.fromSeed('inflate'), { steps: 30, inflate });
      const z = (refined.problem.args[1] as Offsets)['z']!;
      const out = { loc: Array.from(z.loc.dataSync()), logScale: Array.from(z.logScale.dataSync()) };
      refined.dispose();
      return out;
    };
    const plain = fit(1);
    const wide = fit(1.5);
    plain.loc.forEach((v, i) => expect(wide.loc[i]!).toBeCloseTo(v, 5));
    plain.logScale.forEach((v, i) => expect(wide.logScale[i]! - v).toBeCloseTo(Math.log(1.5), 5));
    expect(() => refineProposal(problem, Stream.fromSeed(0), { inflate: 0.5 })).toThrowError(/option inflate must be a finite number in \[1, inf\)/);
  });

  it('tightens logLikelihood: IWAE-20 with a refined proposal is nearer log p(x), and not above it on average', async () => {
    const { problem, P } = fixture(ROWS);
    const exact = ROWS.map((xi) => exactLogMarginal(xi, P));
    const [x] = problem.args;
    // Mean gap (exact - estimate) over seeds and datapoints: positive for a lower bound.
    const breathe = breather();
    const gap = async (refine: false | { steps: number }): Promise<number> => {
      let sum = 0;
      for (let seed = 0; seed < 20; seed++) {
        await breathe();
        const est = logLikelihood(problem.model, problem.guide, [x], { k: 20, seed, refine }).perDatapoint;
        exact.forEach((e, n) => (sum += e - est[n]!));
      }
      return sum / (20 * exact.length);
    };
    const plain = await gap(false);
    const refined = await gap({ steps: 200 });
    expect(refined, `gap ${plain} -> ${refined}`).toBeLessThan(0.5 * plain);
    expect(refined).toBeGreaterThan(-0.02);
  });

  it('needs a normal guide site', () => {
    clearParamStore();
    const problem: Problem<[]> = {
      model: () => {
        const c = sample('c', bernoulli({ probs: 0.5 }));
        observe('y', normal(c, 1), 0.3);
      },
      guide: () => {
        sample('c', bernoulli({ logits: param('q', 0) }));
      },
      args: [],
      vectorize: true,
    };
    expect(() => refineProposal(problem, Stream.fromSeed(0))).toThrowError(/no normal latent sites/);
    // A step size that blows the offsets up is reported with the site, not passed on as NaN.
    const lg = fixture(ROWS).problem;
    expect(() => refineProposal(lg, Stream.fromSeed(0), { steps: 20, lr: 1e30 })).toThrowError(/offsets of guide site 'z' became NaN or infinite/);
    expect(() => cisir({ refine: { steps: 0 } })).toThrowError(/steps must be an integer >= 1/);
  });
});

describe('cisir({ refine })', () => {
  it('stays unbiased (IWAE-10 on the same problem is flagged biased)', async () => {
    const { problem, exact } = fixture(ROWS.map((r) => r.slice(0, 2)));
    const refined = await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 10, refine: { steps: 10, lr: 0.1 } }), 600);
    expectUnbiased(refined, exact, 'C-ISIR-DISIR with a refined proposal');
    // Any proposal keeps ISIR exact: a widened one too.
    const widened = await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 10, refine: { steps: 10, lr: 0.1, inflate: 1.5 } }), 600);
    expectUnbiased(widened, exact, 'C-ISIR-DISIR with a refined proposal widened 1.5x');
    expect(isBiased(await replicate(problem, 'theta', 0, iwae({ k: 10 }), 4000), exact)).toBe(true);
  }, 400_000); // 5,200 replications: about two minutes on a quiet machine

  it('meets sooner than with the amortised proposal alone', async () => {
    const { problem } = fixture(ROWS);
    const breathe = breather();
    const meeting = async (estimator: Estimator): Promise<number[]> => {
      const times: number[] = [];
      for (let s = 0; s < 30; s++) {
        await breathe();
        times.push(
          tf.tidy(() => {
            const r = gradients(problem.model, problem.guide, problem.args, { model: estimator, guide: iwae({ k: 10 }), seed: `meet-${s}` });
            return r.stats['meetingMeanCappedAtCap']!;
          }),
        );
      }
      return times;
    };
    const plain = summarise(await meeting(cisir({ k: 10, lag: 10, adaptBeta: false, beta: 0.5 })));
    const refined = summarise(await meeting(cisir({ k: 10, lag: 10, adaptBeta: false, beta: 0.5, refine: { steps: 100 } })));
    expect(refined.mean, `meeting time ${plain.mean} -> ${refined.mean}`).toBeLessThan(plain.mean - 4 * Math.hypot(plain.se, refined.se));
  });

  it('narrowing to live pairs narrows the offsets too: the same estimate, seed for seed', () => {
    const { problem } = fixture([...ROWS, ...ROWS.map((r) => r.map((v) => -v)), [0, 0, 0], [3, -3, 1]]);
    const theta = getParamStore().variable('theta');
    const estimate = (estimator: Estimator, seed: number): number[] =>
      tf.tidy(() => {
        const stream = Stream.fromSeed(`narrow-${seed}`);
        const simulation = estimator.simulate!(problem, stream, 'model');
        try {
          const { grads } = tf.variableGrads(() => estimator.surrogate(problem, stream, 'model', simulation).loss, [theta]);
          return Array.from(grads[theta.name]!.dataSync());
        } finally {
          simulation!.dispose();
        }
      });
    for (let seed = 0; seed < 4; seed++) {
      const options = { k: 6, lag: 3, refine: { steps: 5 } } as const;
      const full = estimate(cisir(options), seed);
      const narrowed = estimate(cisir({ ...options, selectDatapoints: leadingAxisDatapoints }), seed);
      full.forEach((g, i) => expect(narrowed[i]!).toBeCloseTo(g, 4));
    }
  });

  it('keeps tf.memory().numTensors flat across estimates', async () => {
    const { problem } = fixture(ROWS);
    const estimator = cisir({ k: 4, lag: 3, refine: { steps: 3 }, selectDatapoints: leadingAxisDatapoints });
    await replicate(problem, 'theta', 0, estimator, 3);
    const before = tf.memory().numTensors;
    await replicate(problem, 'theta', 0, estimator, 100);
    expect(tf.memory().numTensors).toBe(before);
  });
});
