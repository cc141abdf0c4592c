import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { cisir, leadingAxisDatapoints } from '../../src/inference/cisir.js';
import { maximalCoupling, maximalCouplingJoint } from '../../src/inference/cisir/coupling.js';
import { freshNoise, proposalNoise } from '../../src/inference/cisir/noise.js';
import { averagingWindow } from '../../src/inference/cisir/window.js';
import type { Estimator } from '../../src/inference/estimator.js';
import { gradients } from '../../src/inference/gradients.js';
import { iwae } from '../../src/inference/iwae.js';
import type { Problem, Program } from '../../src/inference/program.js';
import { clearParamStore, getParamStore, plate, RouletteError, Stream } from '../../src/index.js';
import { exactLogMarginalGradTheta, linearGaussian, resetParams, type LgParams } from '../helpers/linear-gaussian.js';
import { replicate } from '../helpers/replicate.js';
import { expectUnbiased, isBiased, summarise } from '../helpers/stats.js';

afterAll(() => clearParamStore());

describe('maximal coupling of two categoricals', () => {
  const p = [0.5, 0.2, 0.2, 0.1];
  const q = [0.1, 0.3, 0.2, 0.4];
  const tv = 0.5 * p.reduce((acc, pi, i) => acc + Math.abs(pi - q[i]!), 0);

  it('has exactly the right marginals and meets with probability 1 - TV', () => {
    const joint = maximalCouplingJoint(p, q);
    p.forEach((pi, i) => expect(joint[i]!.reduce((a, b) => a + b, 0)).toBeCloseTo(pi, 12));
    q.forEach((qj, j) => expect(joint.reduce((a, row) => a + row[j]!, 0)).toBeCloseTo(qj, 12));
    expect(joint.reduce((a, row, i) => a + row[i]!, 0)).toBeCloseTo(1 - tv, 12);
  });

  it('its sampler draws from that joint law (every cell within 4 s.e.)', () => {
    const joint = maximalCouplingJoint(p, q);
    const stream = Stream.fromSeed('coupling');
    const n = 200_000;
    const counts = p.map(() => q.map(() => 0));
    for (let s = 0; s < n; s++) {
      const [i, j] = maximalCoupling(p, q, stream);
      counts[i]![j]!++;
    }
    joint.forEach((row, i) =>
      row.forEach((cell, j) => expect(Math.abs(counts[i]![j]! / n - cell)).toBeLessThan(4 * Math.sqrt((cell * (1 - cell)) / n) + 1e-9)),
    );
  });
});

describe('fresh noise', () => {
  it("draws each datapoint's noise from its own stream: a subset gets exactly the full batch's values", () => {
    const specs = [{ kind: 'normal' as const, shape: [4, 5, 3] }, { kind: 'uniform' as const, shape: [4, 5] }];
    const full = freshNoise(specs, Stream.fromSeed('fresh'), 1);
    const some = freshNoise(specs, Stream.fromSeed('fresh'), 1, Int32Array.from([3, 1]));
    full.forEach((d, i) => {
      expect(some[i]!.tensor.shape).toEqual([4, 2, ...specs[i]!.shape.slice(2)]);
      expect(some[i]!.tensor.arraySync()).toEqual(tf.gather(d.tensor, [3, 1], 1).arraySync());
    });
    const u = full[1]!.tensor.dataSync();
    expect(Math.min(...u)).toBeGreaterThan(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });
});

describe('the ISIR / DISIR proposal noise', () => {
  // K = 4 particles, B = 3 datapoints, event size 2; data axis 1.
  const [k, b, e] = [4, 3, 2];
  const noise = tf.tensor3d(Array.from({ length: k * b * e }, (_, i) => i + 0.5), [k, b, e]);
  const fresh = tf.tensor3d(Array.from({ length: k * b * e }, (_, i) => Math.sin(i + 1)), [k, b, e]);
  const index = Int32Array.from([2, 0, 3]);
  const a = Int32Array.from([1, 3, 0]);
  const at = (t: number[][][], i: number, j: number, d: number): number => t[i]![j]![d]!;

  it.each([0, 0.6])('beta = %s: keeps the selected particle at a_b and walks AR(1) away from it on both sides', (beta) => {
    const out = proposalNoise(noise, index, fresh, a, beta, 1).arraySync() as number[][][];
    const [z, n] = [noise.arraySync() as number[][][], fresh.arraySync() as number[][][]];
    const c = Math.sqrt(1 - beta * beta);
    for (let j = 0; j < b; j++) {
      for (let d = 0; d < e; d++) {
        expect(at(out, a[j]!, j, d)).toBeCloseTo(at(z, index[j]!, j, d), 5);
        for (let i = a[j]! + 1; i < k; i++) expect(at(out, i, j, d)).toBeCloseTo(beta * at(out, i - 1, j, d) + c * at(n, i, j, d), 5);
        for (let i = a[j]! - 1; i >= 0; i--) expect(at(out, i, j, d)).toBeCloseTo(beta * at(out, i + 1, j, d) + c * at(n, i, j, d), 5);
      }
    }
  });
});

describe('the averaging window', () => {
  it("weights each correction term by how many of the averaged single-time estimators carry it", () => {
    // v_t = #{ l in t0 .. m : t - l is a positive multiple of L }, counted directly.
    const counted = (t: number, t0: number, last: number, lag: number): number => {
      let v = 0;
      for (let l = t0; l <= last; l++) if (t - l >= lag && (t - l) % lag === 0) v++;
      return v;
    };
    for (const [t0, window, lag] of [[1, 10, 10], [4, 1, 3], [2, 8, 3], [5, 23, 4], [1, 3, 7], [20, 20, 10]] as const) {
      const w = averagingWindow(t0, window, lag);
      expect(w.last).toBe(t0 + window - 1);
      for (let t = t0 + lag; t < t0 + window + 6 * lag; t++) expect(w.correctionWeight(t), `t0 ${t0} window ${window} lag ${lag} t ${t}`).toBe(counted(t, t0, w.last, lag));
    }
    // Ruiz et al.'s window (= L): every correction term has weight 1.
    const ruiz = averagingWindow(1, 10, 10);
    for (let t = 11; t < 200; t++) expect(ruiz.correctionWeight(t)).toBe(1);
  });
});

describe('coupled ISIR / DISIR on the linear Gaussian model', () => {
  function fixture(dim: number, guideOffset = 0.5) {
    const X = [Array.from({ length: dim }, (_, j) => Math.sin(j) + 1), Array.from({ length: dim }, (_, j) => Math.cos(j))];
    // A guide whose mean is off: importance weights are uneven, IWAE's gradient is biased.
    const P: LgParams = { theta: new Array<number>(dim).fill(0.8), a: new Array<number>(dim).fill(0.3), b: new Array<number>(dim).fill(guideOffset) };
    const x = tf.tensor2d(X);
    const { model, guide } = linearGaussian(dim);
    resetParams(model, guide, x, P);
    const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };
    // loss gradient = minus the estimate of d log p(x) / d theta_0
    const exact = -X.reduce((acc, xi) => acc + exactLogMarginalGradTheta(xi, P)[0]!, 0);
    return { problem, exact };
  }

  it('C-ISIR-DISIR with a fixed beta = 0.5 (exercising the autoregressive refresh) is unbiased', async () => {
    const { problem, exact } = fixture(2);
    expectUnbiased(await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 10, adaptBeta: false, beta: 0.5 }), 1000), exact, 'C-ISIR-DISIR beta 0.5');
  });

  it("rejects kernel 'disir' alone, whose coupled chains cannot meet", () => {
    expect(() => cisir({ kernel: 'disir' })).toThrowError(/never lets the coupled chains meet/);
  });

  it('C-ISIR and C-ISIR-DISIR are unbiased; DISIR has the lower variance; IWAE-10 is biased', async () => {
    const { problem, exact } = fixture(6);
    const plain = await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 10, kernel: 'isir' }), 1000);
    const composed = await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 10, kernel: 'isir-disir' }), 1000);
    expectUnbiased(plain, exact, 'C-ISIR');
    expectUnbiased(composed, exact, 'C-ISIR-DISIR');
    expect(summarise(composed).variance).toBeLessThan(summarise(plain).variance);
    expect(isBiased(await replicate(problem, 'theta', 0, iwae({ k: 10 }), 8000), exact)).toBe(true);
  });

  it('stays unbiased with any burn-in t0 and averaging window (the correction terms weighted by v_t)', async () => {
    // Lag 3 with these windows gives correction weights v_t of 0 (window 1), and 1, 2 and 3 (window 8).
    const { problem, exact } = fixture(6);
    const short = await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 3, t0: 4, window: 1, kernel: 'isir' }), 1500);
    const long = await replicate(problem, 'theta', 0, cisir({ k: 10, lag: 3, t0: 2, window: 8, kernel: 'isir' }), 1500);
    expectUnbiased(short, exact, 'C-ISIR, t0 4, window 1');
    expectUnbiased(long, exact, 'C-ISIR, t0 2, window 8');
    // Averaging more states after a burn-in: lower variance than the one state after a short one.
    expect(summarise(long).variance).toBeLessThan(summarise(short).variance);
    expect(() => cisir({ window: 0 })).toThrowError(/window must be an integer >= 1/);
    expect(() => cisir({ t0: 0 })).toThrowError(/t0 must be an integer >= 1/);
    expect(() => cisir({ t0: 20, window: 30, maxIterations: 40 })).toThrowError(/maxIterations \(40\) stops the chains before the averaging window/);
  });
});

describe('coupled ISIR-DISIR on probabilistic PCA (Ruiz et al. 6.1)', () => {
  // p(z) = N(0, I_2), p(x | z) = N(theta0 + theta1^T z, 0.1 I_3): p(x) = N(theta0, theta1^T theta1 + 0.1 I).
  const theta0 = [0.5, -0.3, 0.2];
  const theta1 = [
    [1.0, 0.4, -0.6],
    [0.2, -0.8, 0.5],
  ];
  const X = [
    [1.1, -0.9, 0.7],
    [-0.4, 0.6, -0.2],
  ];
  const model: Program<[tf.Tensor]> = (x) => {
    const t0 = param('theta0', tf.tensor1d(theta0));
    const t1 = param('theta1', tf.tensor2d(theta1));
    plate('data', x.shape[0]!, () => {
      const z = sample('z', normal(tf.zeros([2]), 1).toEvent(1));
      const mean = tf.add(t0, tf.sum(tf.mul(tf.expandDims(z, -1), t1), -2)); // theta0 + theta1^T z, any leading dims
      observe('x', normal(mean, Math.sqrt(0.1)).toEvent(1), x);
    });
  };
  const guide: Program<[tf.Tensor]> = (x) => {
    const w = param('w', tf.tensor2d([[0.5, 0.1], [0.2, -0.4], [-0.3, 0.3]]));
    plate('data', x.shape[0]!, () => {
      sample('z', normal(tf.matMul(x, w), 0.6).toEvent(1));
    });
  };
  const x = tf.tensor2d(X);
  const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };

  /** d log p(x) / d theta0 = Sigma^-1 (x - theta0), summed over the data (float64, Gauss-Jordan). */
  function exactGradTheta0(): number[] {
    const sigma = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 0.1 : 0) + theta1[0]![i]! * theta1[0]![j]! + theta1[1]![i]! * theta1[1]![j]!));
    const inv = invert3(sigma);
    return [0, 1, 2].map((i) => X.reduce((acc, xi) => acc + [0, 1, 2].reduce((a, j) => a + inv[i]![j]! * (xi[j]! - theta0[j]!), 0), 0));
  }

  it('C-ISIR-DISIR is unbiased where IWAE with the same K is not', async () => {
    clearParamStore();
    const exact = -exactGradTheta0()[0]!;
    gradients(model, guide, [x], { estimator: iwae({ k: 2 }), seed: 0 });
    expectUnbiased(await replicate(problem, 'theta0', 0, cisir({ k: 10, lag: 10 }), 700), exact, 'C-ISIR-DISIR on PPCA');
    expect(isBiased(await replicate(problem, 'theta0', 0, iwae({ k: 10 }), 8000), exact)).toBe(true);
  });
});

describe('discrete latents (ISIR needs no reparameterisation)', () => {
  // c ~ Bernoulli(sigmoid(theta)), x | c ~ N(2c - 1, 1): d log p(x) / d theta in closed form.
  const xValue = 0.4;
  const model: Program<[]> = () => {
    const c = sample('c', bernoulli({ logits: param('theta', 0.3) }));
    observe('x', normal(tf.sub(tf.mul(c, 2), 1), 1), xValue);
  };
  const guide: Program<[]> = () => {
    sample('c', bernoulli({ logits: param('q', -1) }));
  };
  const problem: Problem<[]> = { model, guide, args: [], vectorize: true };

  it('C-ISIR is unbiased, and DISIR refuses with a clear error', async () => {
    clearParamStore();
    gradients(model, guide, [], { estimator: iwae({ k: 2 }), seed: 0 });
    const s = 1 / (1 + Math.exp(-0.3));
    const n1 = Math.exp(-0.5 * (xValue - 1) ** 2);
    const n0 = Math.exp(-0.5 * (xValue + 1) ** 2);
    const exact = -(s * (1 - s) * (n1 - n0)) / (s * n1 + (1 - s) * n0);
    expectUnbiased(await replicate(problem, 'theta', 0, cisir({ k: 5, lag: 5, kernel: 'isir' }), 1500), exact, 'C-ISIR, Bernoulli latent');
    try {
      await replicate(problem, 'theta', 0, cisir({ k: 5, lag: 5, kernel: 'isir-disir' }), 1);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(RouletteError);
      expect((e as RouletteError).message).toMatch(/DISIR needs a reparameterised/);
    }
  });
});

describe('stats', () => {
  it('report meeting times (mean, max, histogram), iterations and cap hits', async () => {
    clearParamStore();
    const { model, guide } = linearGaussian(1);
    const x = tf.tensor2d([[0.5], [1.5], [-0.2]]);
    gradients(model, guide, [x], { estimator: iwae({ k: 2 }), seed: 0 });
    const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };
    const estimator = cisir({ k: 4, lag: 3 });
    const simulation = estimator.simulate!(problem, Stream.fromSeed(3), 'model');
    const stats = estimator.surrogate(problem, Stream.fromSeed(3), 'model', simulation).stats;
    simulation!.dispose();
    const binned = Object.entries(stats).filter(([key]) => key.startsWith('meetingLe') || key.startsWith('meetingGt'));
    expect(binned.reduce((a, [, v]) => a + v, 0) + stats['capped']!).toBe(3); // every pair counted once
    expect(stats['meetingMax']!).toBeGreaterThanOrEqual(stats['meetingMean']!);
    expect(stats['iterations']!).toBeGreaterThanOrEqual(stats['meetingMax']!);
    // a cap of 1 iteration cannot let pairs meet after the lag: every pair is counted as capped
    expect(stats['capped']).toBe(0);
    expect(stats['meetingMeanCappedAtCap']).toBeCloseTo(stats['meetingMean']!, 10);
    const capped = cisir({ k: 4, lag: 3, maxIterations: 3 });
    const sim2 = capped.simulate!(problem, Stream.fromSeed(3), 'model');
    const cappedStats = capped.surrogate(problem, Stream.fromSeed(3), 'model', sim2).stats;
    expect(cappedStats['capped']).toBeGreaterThan(0);
    // every pair capped: counted at the cap, while the mean over met pairs has nothing to average
    expect(cappedStats['meetingMeanCappedAtCap']).toBe(3);
    expect(cappedStats['meetingMean']).toBeNaN();
    sim2!.dispose();
  });
});

describe('meeting with the exact posterior as guide', () => {
  // z ~ N(0, 1), x | z ~ N(z, 1); guide N(x / 2, 1 / 2) is the posterior, so every weight is p(x). Then an
  // ISIR step leaves the kept particle with probability (K - 1) / K, and the maximally coupled indices
  // are equal: the pair meets unless both keep their own particle. Meeting needs one more iteration
  // for plain ISIR (the kept slots still differ) and none for ISIR-DISIR (its DISIR step starts from
  // the common particle): tau = L + 1 + G or L + G, G ~ Geometric((K - 1) / K) on {1, 2, ...}.
  const model = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      const z = sample('z', normal(tf.zerosLike(x), 1));
      observe('x', normal(z, 1), x);
    });
  };
  const guide = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      sample('z', normal(tf.mul(x, 0.5), Math.sqrt(0.5)));
    });
  };
  const [k, lag, batch, estimates] = [10, 5, 200, 3];
  const x = tf.tensor1d(Array.from({ length: batch }, (_, i) => Math.sin(i) * 2));
  const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };
  const p = (k - 1) / k;

  it.each([
    ['isir', lag + 1 + 1 / p],
    ['isir-disir', lag + 1 / p],
  ] as const)('%s: mean meeting time and move rate within 4 s.e. of their exact values', (kernel, expectedMeeting) => {
    clearParamStore();
    const estimator = cisir({ k, lag, kernel, beta: 0.5, adaptBeta: false });
    let meeting = 0;
    let moves = 0;
    for (let e = 0; e < estimates; e++) {
      const simulation = estimator.simulate!(problem, Stream.fromSeed(`exact-${e}`), 'model');
      const stats = estimator.surrogate(problem, Stream.fromSeed(`exact-${e}`), 'model', simulation).stats;
      simulation!.dispose();
      expect(stats['capped']).toBe(0);
      meeting += stats['meetingMean']! / estimates;
      moves += stats['isirMoveRate']! / estimates;
    }
    const pairs = batch * estimates;
    expect(Math.abs(meeting - expectedMeeting)).toBeLessThan((4 * Math.sqrt(1 - p)) / p / Math.sqrt(pairs));
    // at least `lag` ISIR steps per pair (first chain alone), so at least lag * pairs Bernoulli(p) draws
    expect(Math.abs(moves - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / (lag * pairs)));
    // Counting meetings one iteration late or early would be 1 / 0.025 = 40 s.e. off; a chain that
    // never left its kept particle would show a move rate of 0.
  });
});

describe('narrowing the batch to the pairs that have not met', () => {
  function fixture() {
    const { model, guide } = linearGaussian(3);
    // Spread-out data: some pairs meet at once, others take a while.
    const x = tf.tensor2d(Array.from({ length: 16 }, (_, i) => [Math.sin(i) * 3, Math.cos(2 * i) * 2, (i % 5) - 2]));
    resetParams(model, guide, x, { theta: [0.5, -0.5, 0.2], a: [0.2, 0.2, 0.2], b: [0, 0, 0] });
    return { model, guide, x, problem: { model, guide, args: [x], vectorize: true } as Problem<[tf.Tensor]> };
  }

  function estimate(estimator: Estimator, problem: Problem<[tf.Tensor]>, seed: number) {
    const theta = getParamStore().variable('theta');
    const stream = Stream.fromSeed(`narrow-${seed}`);
    const simulation = estimator.simulate!(problem, stream, 'model');
    try {
      let stats: Readonly<Record<string, number>> | undefined;
      const grad = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const surrogate = estimator.surrogate(problem, stream, 'model', simulation);
          stats = surrogate.stats;
          return surrogate.loss;
        }, [theta]);
        return Array.from(grads[theta.name]!.dataSync());
      });
      return { grad, stats };
    } finally {
      simulation!.dispose();
    }
  }

  it.each(['isir', 'isir-disir'] as const)('%s: changes the cost, not the estimate (seed for seed)', (kernel) => {
    const { problem } = fixture();
    let narrowings = 0;
    const counting = (args: readonly unknown[], datapoints: Int32Array, batch: number) => {
      narrowings++;
      return leadingAxisDatapoints(args, datapoints, batch);
    };
    for (let seed = 0; seed < 6; seed++) {
      const options = { k: 6, lag: 3, kernel, adaptBeta: false } as const;
      const full = estimate(cisir(options), problem, seed);
      const narrowed = estimate(cisir({ ...options, selectDatapoints: counting }), problem, seed);
      full.grad.forEach((g, i) => expect(narrowed.grad[i]!).toBeCloseTo(g, 4));
      for (const key of ['iterations', 'meetingMean', 'meetingMax', 'capped']) expect(narrowed.stats![key], key).toBe(full.stats![key]);
    }
    expect(narrowings).toBeGreaterThan(0);
  });

  it('says so when selectDatapoints does not restrict the data', () => {
    const { problem } = fixture();
    const ignoring = cisir({ k: 6, lag: 3, selectDatapoints: (args) => [...args] });
    expect(() => estimate(ignoring, problem, 0)).toThrowError(/selectDatapoints returned arguments with 16 datapoints/);
  });
});

describe('resources', () => {
  it('tf.memory().numTensors is flat across 500 estimates (narrowing to live pairs)', async () => {
    clearParamStore();
    const { model, guide } = linearGaussian(1);
    const x = tf.tensor2d([[0.5], [1.5], [-2], [3], [0], [1]]);
    gradients(model, guide, [x], { estimator: iwae({ k: 2 }), seed: 0 });
    const problem: Problem<[tf.Tensor]> = { model, guide, args: [x], vectorize: true };
    const estimator = cisir({ k: 4, lag: 3, selectDatapoints: leadingAxisDatapoints });
    await replicate(problem, 'theta', 0, estimator, 5);
    const before = tf.memory().numTensors;
    await replicate(problem, 'theta', 0, estimator, 500);
    expect(tf.memory().numTensors).toBe(before);
  });
});

function invert3(m: number[][]): number[][] {
  const a = m.map((row, i) => [...row, ...[0, 1, 2].map((j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < 3; c++) {
    const pivot = a[c]![c]!;
    for (let j = 0; j < 6; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 6; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(3));
}
