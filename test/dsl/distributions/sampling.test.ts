import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import type { Distribution } from '../../../src/dsl/distributions/index.js';
import { lgammaNumber } from '../../../src/dsl/math/special.js';
import { ChunkedRandomSource, Stream, withRandom } from '../../../src/runtime/rng.js';

const N = 20000;
const CHI_N = 400000;

const seeded = (seed: number | string): ChunkedRandomSource => ChunkedRandomSource.single(Stream.fromSeed(seed));

function values(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

interface Moments {
  mean: number[];
  variance: number[];
  m4: number[];
}

/** Per-element sample mean, unbiased variance and central 4th moment over the leading dim. */
function moments(draws: Float32Array | Int32Array | Uint8Array, n: number): Moments {
  const per = draws.length / n;
  const mean = new Array<number>(per).fill(0);
  for (let i = 0; i < draws.length; i++) mean[i % per]! += draws[i]! / n;
  const variance = new Array<number>(per).fill(0);
  const m4 = new Array<number>(per).fill(0);
  for (let i = 0; i < draws.length; i++) {
    const d = draws[i]! - mean[i % per]!;
    variance[i % per]! += (d * d) / (n - 1);
    m4[i % per]! += (d * d * d * d) / n;
  }
  return { mean, variance, m4 };
}

/**
 * Sample mean within 4 standard errors of mean(), sample variance within 4 standard errors of
 * variance(), the latter's standard error sqrt((m4 - sigma^4) / n) from the sample's 4th moment.
 */
function expectMoments(label: string, d: Distribution, seed = 1): void {
  const x = d.expand([N, ...d.batchShape]).sample(seeded(seed));
  const data = x.dataSync();
  expect(data.every((v) => Number.isFinite(v)), `${label}: finite draws`).toBe(true);
  const got = moments(data, N);
  x.dispose();
  const mu = values(d.mean());
  const sigma2 = values(d.variance());
  mu.forEach((m, j) => {
    const seMean = Math.sqrt(sigma2[j]! / N);
    expect(Math.abs(got.mean[j]! - m), `${label}[${j}] mean ${got.mean[j]} vs ${m} (se ${seMean})`).toBeLessThanOrEqual(4 * seMean);
    const seVar = Math.sqrt(Math.max(got.m4[j]! - sigma2[j]! ** 2, 0) / N);
    expect(
      Math.abs(got.variance[j]! - sigma2[j]!),
      `${label}[${j}] variance ${got.variance[j]} vs ${sigma2[j]} (se ${seVar})`,
    ).toBeLessThanOrEqual(4 * seVar + 1e-12);
  });
}

describe('sampling moments (20k draws, 4 standard errors)', () => {
  const cases: ReadonlyArray<readonly [string, () => Distribution]> = [
    ['normal', () => dist.normal(1.5, 2)],
    ['lognormal', () => dist.lognormal(0.2, 0.5)],
    ['uniform', () => dist.uniform(-1, 3)],
    ['exponential', () => dist.exponential(tf.tensor1d([0.5, 2]))],
    ['laplace', () => dist.laplace(1, 0.5)],
    ['studentT', () => dist.studentT(10, 1, 2)],
    ['studentT tensor df', () => dist.studentT(tf.scalar(12), -1, 0.5)],
    ['gamma (alpha < 1 and >= 1)', () => dist.gamma(tf.tensor1d([0.1, 0.5, 1, 2.5, 30]), 2)],
    ['beta', () => dist.beta(tf.tensor1d([0.3, 2, 5]), tf.tensor1d([0.5, 3, 1]))],
    ['dirichlet', () => dist.dirichlet(tf.tensor1d([0.3, 1, 4]))],
    ['bernoulli probs', () => dist.bernoulli({ probs: tf.tensor1d([0.1, 0.5, 0.93]) })],
    ['bernoulli logits', () => dist.bernoulli({ logits: tf.tensor1d([-2, 3]) })],
    ['categorical', () => dist.categorical({ probs: tf.tensor1d([0.1, 0.2, 0.3, 0.4]) })],
    ['categorical logits, batch', () => dist.categorical({ logits: tf.tensor2d([[0, 1, -Infinity], [2, 0, 0]]) })],
    // inversion (n p < 10) and BTRS, with the p > 1/2 flip
    ['binomial', () => dist.binomial(tf.tensor1d([5, 40, 200, 1000]), { probs: tf.tensor1d([0.3, 0.6, 0.05, 0.5]) })],
    ['binomial logits', () => dist.binomial(60, { logits: tf.tensor1d([-1, 1.5]) })],
    // inversion (< 10) and PTRS (>= 10)
    ['poisson', () => dist.poisson(tf.tensor1d([0.5, 4, 9.9, 10, 35, 500]))],
    [
      'multivariateNormal covariance',
      () => dist.multivariateNormal(tf.tensor1d([1, -2, 0.5]), { covariance: tf.tensor2d([[2, 0.6, 0.2], [0.6, 1, -0.3], [0.2, -0.3, 0.5]]) }),
    ],
    ['multivariateNormal scaleDiag', () => dist.multivariateNormal(tf.tensor1d([1, -2]), { scaleDiag: tf.tensor1d([0.3, 2]) })],
  ];
  for (const [label, make] of cases) it(label, () => expectMoments(label, make()));

  it('multivariateNormal reproduces its covariance', () => {
    const cov = [
      [2, 0.6],
      [0.6, 1],
    ];
    const d = dist.multivariateNormal(tf.tensor1d([1, -2]), { covariance: tf.tensor2d(cov) });
    const x = d.expand([N]).sample(seeded(4));
    const data = x.dataSync();
    let c01 = 0;
    for (let i = 0; i < N; i++) c01 += ((data[2 * i]! - 1) * (data[2 * i + 1]! + 2)) / N;
    // var of the product of centred normals = s0^2 s1^2 + c01^2
    const se = Math.sqrt((cov[0]![0]! * cov[1]![1]! + cov[0]![1]! ** 2) / N);
    expect(Math.abs(c01 - 0.6)).toBeLessThanOrEqual(4 * se);
    x.dispose();
  });

  it('dirichlet and beta draws lie in their supports', () => {
    const x = dist.dirichlet(tf.tensor1d([0.05, 0.05, 0.05])).expand([2000]).sample(seeded(2));
    const lp = dist.dirichlet(tf.tensor1d([0.05, 0.05, 0.05])).logProb(x);
    expect(values(lp).every((v) => Number.isFinite(v))).toBe(true);
    const b = dist.beta(0.01, 0.01).expand([2000]).sample(seeded(2));
    expect(values(b).every((v) => v > 0 && v < 1)).toBe(true);
    x.dispose();
  });
});

// Quantiles at probabilities QUANTILE_PROBS from scipy.stats (t, gamma, beta, laplace, expon, lognorm).ppf.
const QUANTILE_PROBS = [0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98];
const QUANTILES: ReadonlyArray<readonly [string, () => Distribution, number[], (x: tf.Tensor) => tf.Tensor]> = [
  ['studentT(3, 0.5, 2)', () => dist.studentT(3, 0.5, 2), [-6.463817521, -2.775488707, -0.6687794549, 0.5, 1.668779455, 3.775488707, 7.463817521], (x) => x],
  ['gamma(0.3, 1)', () => dist.gamma(0.3, 1), [1.514147145e-6, 0.0003237246218, 0.01272665777, 0.07313113587, 0.2565649133, 0.8848107734, 2.076564006], (x) => x],
  ['gamma(2.5, 2)', () => dist.gamma(2.5, 2), [0.1879722337, 0.4025769967, 0.7499770332, 1.087865048, 1.516107496, 2.309089225, 3.34705565], (x) => x],
  ['beta(0.5, 2)', () => dist.beta(0.5, 2), [0.0001777988521, 0.004457681888, 0.04111948288, 0.1206147584, 0.2613206256, 0.5318774335, 0.7782657745], (x) => x],
  ['beta(0.3, 0.3)', () => dist.beta(0.3, 0.3), [1.548786206e-5, 0.003304618257, 0.1204152375, 0.5, 0.8795847625, 0.9966953817, 0.9999845121], (x) => x],
  [
    'dirichlet(0.3, 1, 4) component 0 ~ beta(0.3, 5)',
    () => dist.dirichlet(tf.tensor1d([0.3, 1, 4])),
    [3.25056818e-7, 6.949470607e-5, 0.002728381573, 0.01557567038, 0.05357205036, 0.1728151458, 0.3589002357],
    (x) => tf.slice(x, [0, 0], [-1, 1]),
  ],
  ['laplace(1, 0.5)', () => dist.laplace(1, 0.5), [-0.6094379124, 0.1952810438, 0.7445871881, 1, 1.255412812, 1.804718956, 2.609437912], (x) => x],
  ['exponential(2)', () => dist.exponential(2), [0.01010135366, 0.05268025783, 0.178337472, 0.3465735903, 0.6019864022, 1.151292546, 1.956011503], (x) => x],
  ['lognormal(0.2, 0.5)', () => dist.lognormal(0.2, 0.5), [0.43741431, 0.6435369825, 0.9396946881, 1.221402758, 1.587563191, 2.318164672, 3.410553024], (x) => x],
];

describe('continuous samplers match the CDF at quantiles (50k draws, 4.5 standard errors each)', () => {
  const n = 50000;
  for (const [label, make, quantiles, pick] of QUANTILES) {
    it(label, () => {
      const d = make();
      const draws = values(pick(d.expand([n, ...d.batchShape]).sample(seeded(label))));
      QUANTILE_PROBS.forEach((p, i) => {
        const below = draws.filter((x) => x <= quantiles[i]!).length / n;
        const se = Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs(below - p), `${label}: P(X <= ${quantiles[i]}) = ${below}, expected ${p}`).toBeLessThanOrEqual(4.5 * se);
      });
    });
  }
});

/** Pearson's chi-square of integer draws against a pmf, pooling cells with expected count < 5. */
function chiSquare(draws: number[], logPmf: (k: number) => number, maxK: number): { stat: number; df: number } {
  const counts = new Map<number, number>();
  for (const k of draws) counts.set(k, (counts.get(k) ?? 0) + 1);
  let stat = 0;
  let cells = 0;
  let pooledObs = 0;
  let pooledExp = 0;
  for (let k = 0; k <= maxK; k++) {
    const e = Math.exp(logPmf(k)) * draws.length;
    const o = counts.get(k) ?? 0;
    if (e >= 5) {
      stat += (o - e) ** 2 / e;
      cells++;
    } else {
      pooledObs += o;
      pooledExp += e;
    }
  }
  if (pooledExp > 0) {
    stat += (pooledObs - pooledExp) ** 2 / pooledExp;
    cells++;
  }
  return { stat, df: cells - 1 };
}

describe('count samplers are exact (chi-square against the pmf)', () => {
  const logBinom = (n: number, p: number) => (k: number) =>
    lgammaNumber(n + 1) - lgammaNumber(k + 1) - lgammaNumber(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  const logPois = (rate: number) => (k: number) => k * Math.log(rate) - rate - lgammaNumber(k + 1);
  const cases: ReadonlyArray<readonly [string, Distribution, (k: number) => number, number]> = [
    ['poisson(3) inversion', dist.poisson(3), logPois(3), 40],
    ['poisson(30) PTRS', dist.poisson(30), logPois(30), 120],
    ['binomial(20, 0.3) inversion', dist.binomial(20, { probs: 0.3 }), logBinom(20, 0.3), 20],
    ['binomial(100, 0.3) BTRS', dist.binomial(100, { probs: 0.3 }), logBinom(100, 0.3), 100],
    ['binomial(100, 0.8) BTRS flipped', dist.binomial(100, { probs: 0.8 }), logBinom(100, 0.8), 100],
  ];
  for (const [label, d, logPmf, maxK] of cases) {
    it(label, () => {
      const draws = values(d.expand([CHI_N]).sample(seeded(label)));
      expect(draws.every((k) => Number.isInteger(k) && k >= 0 && k <= maxK)).toBe(true);
      const { stat, df } = chiSquare(draws, logPmf, maxK);
      // Mean df, sd sqrt(2 df): 4 sd above the mean is far in the tail (p ~ 1e-4 for these df).
      expect(stat, `${label}: chi2 ${stat} on ${df} df`).toBeLessThan(df + 4 * Math.sqrt(2 * df));
    });
  }
});

describe('seeding', () => {
  const laws: ReadonlyArray<readonly [string, () => Distribution]> = [
    ['normal', () => dist.normal(0, 1).expand([5])],
    ['lognormal', () => dist.lognormal(0, 1).expand([5])],
    ['uniform', () => dist.uniform(0, 1).expand([5])],
    ['exponential', () => dist.exponential(1).expand([5])],
    ['laplace', () => dist.laplace(0, 1).expand([5])],
    ['studentT', () => dist.studentT(3).expand([5])],
    ['gamma', () => dist.gamma(0.7, 1).expand([5])],
    ['beta', () => dist.beta(2, 2).expand([5])],
    ['dirichlet', () => dist.dirichlet(tf.ones([3])).expand([5])],
    ['bernoulli', () => dist.bernoulli({ probs: 0.5 }).expand([20])],
    ['categorical', () => dist.categorical({ logits: tf.zeros([4]) }).expand([20])],
    ['binomial', () => dist.binomial(tf.tensor1d([3, 300]), { probs: 0.4 }).expand([5, 2])],
    ['poisson', () => dist.poisson(tf.tensor1d([2, 200])).expand([5, 2])],
    ['multivariateNormal', () => dist.multivariateNormal(tf.zeros([2]), { covariance: tf.eye(2) }).expand([5])],
  ];

  for (const [label, make] of laws) {
    it(`${label}: same seed, same draws; another seed, other draws`, () => {
      const a = values(make().sample(seeded(3)));
      const b = values(make().sample(seeded(3)));
      const c = values(make().sample(seeded(4)));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    });
  }

  it('the default source is the current one', () => {
    const d = dist.gamma(1.5, 1).expand([4]);
    const viaScope = values(withRandom(seeded(8), () => d.sample()));
    expect(viaScope).toEqual(values(d.sample(seeded(8))));
  });

  it('a vectorised draw over K particles equals a loop over the particles', () => {
    const root = Stream.fromSeed('particles');
    const k = 3;
    const vectorised = (d: Distribution) =>
      values(d.expand([k, ...d.batchShape]).sample(new ChunkedRandomSource([0, 1, 2].map((i) => root.split(i)), root.split(99))));
    const looped = (d: Distribution) => [0, 1, 2].flatMap((i) => values(d.sample(ChunkedRandomSource.single(root.split(i)))));
    const cases: Distribution[] = [
      dist.gamma(tf.tensor1d([0.4, 3]), 1),
      dist.poisson(tf.tensor1d([2, 60])),
      dist.binomial(tf.tensor1d([4, 200]), { probs: 0.3 }),
      dist.categorical({ logits: tf.zeros([2, 5]) }),
      dist.dirichlet(tf.ones([2, 3])),
      dist.multivariateNormal(tf.zeros([2]), { covariance: tf.tensor2d([[1, 0.5], [0.5, 1]]) }),
      dist.studentT(4, 0, 1).expand([2]),
    ];
    for (const d of cases) expect(vectorised(d), d.name).toEqual(looped(d));
  });
});
