import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as dist from '../../../src/dsl/distributions/index.js';
import type { Distribution } from '../../../src/dsl/distributions/index.js';
import { RouletteError } from '../../../src/runtime/errors.js';

const NEG_INF = -Infinity;

// Reference log densities from scipy.stats 1.17 (norm, lognorm, uniform, expon, laplace, t, gamma, beta,
// bernoulli, binom, poisson) in float64; support edges and outside values from the closed forms' limits.
const CASES: ReadonlyArray<readonly [string, () => Distribution, number[], number[]]> = [
  ['normal(0.5, 2)', () => dist.normal(0.5, 2), [-3, 0.5, 4, 100], [-3.143335713764618, -1.612085713764618, -3.143335713764618, -1239.1433357137646]],
  ['lognormal(0.2, 0.7)', () => dist.lognormal(0.2, 0.7), [0.1, 1, 5, 0, -1], [-4.650425585737218, -0.6030799157965523, -4.198757857829219, NEG_INF, NEG_INF]],
  ['uniform(-1, 3)', () => dist.uniform(-1, 3), [-1, 0, 3, 3.5, -2], [-1.3862943611198906, -1.3862943611198906, -1.3862943611198906, NEG_INF, NEG_INF]],
  ['exponential(2.5)', () => dist.exponential(2.5), [0, 0.3, 4, -1], [0.916290731874155, 0.1662907318741551, -9.083709268125846, NEG_INF]],
  ['laplace(1, 0.5)', () => dist.laplace(1, 0.5), [-2, 1, 3], [-6, 0, -4]],
  ['studentT(3.5, 1, 2)', () => dist.studentT(3.5, 1, 2), [-10, 0, 1, 7], [-6.7816100316715815, -1.8378547326650878, -1.682620771819447, -4.5467935423984445]],
  ['studentT(1)', () => dist.studentT(1), [2, -0.5], [-2.7541677982835004, -1.3678734371636097]],
  ['gamma(2.5, 1.5)', () => dist.gamma(2.5, 1.5), [0, 0.01, 1, 10, -1], [NEG_INF, -6.193775379184646, -0.7710201002025083, -10.81714246071144, NEG_INF]],
  ['gamma(1, 3)', () => dist.gamma(1, 3), [0, 0.5], [1.0986122886681098, -0.4013877113318902]],
  ['gamma(0.3, 2)', () => dist.gamma(0.3, 2), [0.001, 2, 0], [3.9455748546374037, -5.373056867042054, Infinity]],
  ['beta(2, 3)', () => dist.beta(2, 3), [0, 0.2, 0.9, 1, 1.5, -0.1], [NEG_INF, 0.42918163472548043, -2.2256240518579173, NEG_INF, NEG_INF, NEG_INF]],
  ['beta(1, 1)', () => dist.beta(1, 1), [0, 0.5, 1], [0, 0, 0]],
  ['beta(0.5, 0.5)', () => dist.beta(0.5, 0.5), [0.01, 0.5], [1.162880375071396, -0.45158270528945466]],
  ['beta(1, 3)', () => dist.beta(1, 3), [0], [1.0986122886681098]],
  ['bernoulli({ probs: 0.3 })', () => dist.bernoulli({ probs: 0.3 }), [0, 1, 0.5, 2], [-0.35667494393873245, -1.2039728043259361, NEG_INF, NEG_INF]],
  ['bernoulli({ logits: 1.2 })', () => dist.bernoulli({ logits: 1.2 }), [0, 1, 0.5], [-1.4632824673380307, -0.26328246733803135, NEG_INF]],
  ['bernoulli({ logits: 50 })', () => dist.bernoulli({ logits: 50 }), [0, 1], [-50, -1.9287498479639178e-22]],
  ['bernoulli({ probs: 0 })', () => dist.bernoulli({ probs: 0 }), [0, 1], [0, NEG_INF]],
  ['bernoulli({ probs: 1 })', () => dist.bernoulli({ probs: 1 }), [1, 0], [0, NEG_INF]],
  ['categorical({ probs })', () => dist.categorical({ probs: tf.tensor1d([0.2, 0.5, 0.3]) }), [0, 1, 2, 3, 1.5, -1], [-1.6094379124341003, -0.6931471805599453, -1.2039728043259361, NEG_INF, NEG_INF, NEG_INF]],
  ['categorical({ logits })', () => dist.categorical({ logits: tf.tensor1d([1, -2, 0.5]) }), [0, 1, 2], [-0.5045969023422836, -3.504596902342284, -1.0045969023422836]],
  ['categorical({ probs } unnormalised, a zero)', () => dist.categorical({ probs: tf.tensor1d([0, 2, 6]) }), [0, 1, 2], [NEG_INF, -1.3862943611198906, -0.2876820724517809]],
  ['binomial(10, { probs: 0.3 })', () => dist.binomial(10, { probs: 0.3 }), [0, 3, 10, 11, 2.5, -1], [-3.5667494393873245, -1.321151277766889, -12.03972804325936, NEG_INF, NEG_INF, NEG_INF]],
  ['binomial(10, { logits: -0.4 })', () => dist.binomial(10, { logits: -0.4 }), [4, 0, 10], [-1.3830449932820565, -5.130152523999526, -9.130152523999527]],
  ['binomial(50, { probs: 0 })', () => dist.binomial(50, { probs: 0 }), [0, 1], [0, NEG_INF]],
  ['binomial(50, { probs: 1 })', () => dist.binomial(50, { probs: 1 }), [50, 49], [0, NEG_INF]],
  ['poisson(3.2)', () => dist.poisson(3.2), [0, 2, 10, 2.5, -1], [-3.2, -1.5668455609485838, -6.672904475018707, NEG_INF, NEG_INF]],
  ['poisson(0)', () => dist.poisson(0), [0, 1], [0, NEG_INF]],
  ['poisson(250)', () => dist.poisson(250), [260, 250], [-3.8969852812283534, -3.6800023252915253]],
  ['delta(2)', () => dist.delta(2), [2, 3], [0, NEG_INF]],
];

function values(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

/** float32 tolerance: 2e-5 relative with a 2e-5 absolute floor; infinities must match exactly. */
function expectClose(actual: number[], expected: readonly number[], label: string, rel = 2e-5, abs = 2e-5): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!Number.isFinite(e)) expect(a, `${label} at index ${i}`).toBe(e);
    else expect(Math.abs(a - e), `${label} at index ${i}: got ${a}, expected ${e}`).toBeLessThanOrEqual(rel * Math.abs(e) + abs);
  });
}

function expectRouletteError(f: () => unknown, code: string, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RouletteError);
  const err = caught as RouletteError;
  expect(err.code).toBe(code);
  for (const p of patterns) expect(err.message).toMatch(p);
}

describe('logProb against scipy', () => {
  for (const [label, make, xs, refs] of CASES) {
    it(label, () => {
      const d = make();
      expectClose(values(d.logProb(tf.tensor1d(xs))), refs, label);
    });
  }

  it('gamma(500, 20): float32 cancellation of lgamma(500) ~ 2605, within 5e-4', () => {
    const lp = values(dist.gamma(500, 20).logProb(tf.tensor1d([25, 30])));
    expectClose(lp, [-1.0306769755061889, -10.05222013532289], 'gamma(500, 20)', 0, 5e-4);
  });

  it('binomial(1000, 0.4): float32 log-factorials, within 5e-3', () => {
    // scipy.stats.binom.logpmf([400, 380], 1000, 0.4)
    const lp = values(dist.binomial(1000, { probs: 0.4 }).logProb(tf.tensor1d([400, 380])));
    expectClose(lp, [-3.6595218837099424, -4.488514915532676], 'binomial(1000)', 0, 5e-3);
  });

  it('dirichlet on and off the simplex', () => {
    const d = dist.dirichlet(tf.tensor1d([2, 3, 0.5]));
    const x = tf.tensor2d([
      [0.2, 0.3, 0.5],
      [0.1, 0.1, 0.8],
      [0.5, 0.6, -0.1],
      [0.3, 0.3, 0.3],
    ]);
    // scipy.stats.dirichlet.logpdf for the first two rows
    expectClose(values(d.logProb(x)), [-0.9785080866719285, -4.103881659190961, NEG_INF, NEG_INF], 'dirichlet');
    // Dirichlet(1, 1, 1) is uniform on the simplex: density Gamma(3) = 2, also on its faces.
    expectClose(values(dist.dirichlet(tf.ones([3])).logProb(tf.tensor1d([0, 0.5, 0.5]))), [Math.log(2)], 'dirichlet(1,1,1)');
  });

  it('multivariate normal: covariance, scaleTril and scaleDiag agree with scipy', () => {
    const loc = tf.tensor1d([1, -1]);
    const cov = tf.tensor2d([
      [2, 0.6],
      [0.6, 1],
    ]);
    const tril = tf.tensor2d([
      [1.4142135623730951, 0],
      [0.42426406871192845, 0.9055385138137417],
    ]);
    const x = tf.tensor2d([
      [0, 0],
      [3, -2],
    ]);
    // scipy.stats.multivariate_normal.logpdf
    const expected = [-3.3657129922054483, -4.646200797083498];
    expectClose(values(dist.multivariateNormal(loc, { covariance: cov }).logProb(x)), expected, 'mvn covariance');
    expectClose(values(dist.multivariateNormal(loc, { scaleTril: tril }).logProb(x)), expected, 'mvn scaleTril');
    expectClose(
      values(dist.multivariateNormal(loc, { scaleDiag: tf.tensor1d([0.5, 2]) }).logProb(tf.tensor1d([1, 1]))),
      [-2.3378770664093453],
      'mvn scaleDiag',
    );
  });

  it('delta with an event dim', () => {
    const d = dist.delta(tf.tensor1d([1, 2]), { eventDim: 1 });
    expect(values(d.logProb(tf.tensor2d([[1, 2], [1, 3]])))).toEqual([0, NEG_INF]);
  });

  it('unit returns its log weight for any value, broadcast', () => {
    const u = dist.unit(tf.tensor1d([-1.5, 2]));
    expect(values(u.logProb(tf.zeros([2])))).toEqual([-1.5, 2]);
    const lp = u.logProb(tf.zeros([4, 2]));
    expect(lp.shape).toEqual([4, 2]);
    expect(values(u.sample())).toEqual([0, 0]);
  });

  it('int32 values are accepted for discrete laws', () => {
    const lp = dist.categorical({ probs: tf.tensor1d([0.2, 0.8]) }).logProb(tf.tensor1d([1], 'int32'));
    expectClose(values(lp), [Math.log(0.8)], 'int32 categorical');
  });

  it('NaN values give NaN, not -Infinity', () => {
    expect(values(dist.gamma(2, 1).logProb(tf.scalar(NaN)))[0]).toBeNaN();
    expect(values(dist.normal(0, 1).logProb(tf.scalar(NaN)))[0]).toBeNaN();
  });
});

describe('shapes', () => {
  it('batch shapes broadcast from the arguments', () => {
    const d = dist.normal(tf.zeros([3, 1]), tf.ones([4]));
    expect(d.batchShape).toEqual([3, 4]);
    expect(d.eventShape).toEqual([]);
    expect(d.sample().shape).toEqual([3, 4]);
    expect(d.mean().shape).toEqual([3, 4]);
    expect(d.variance().shape).toEqual([3, 4]);
    expect(d.logProb(tf.zeros([2, 3, 4])).shape).toEqual([2, 3, 4]);
    expect(d.logProb(tf.scalar(0)).shape).toEqual([3, 4]);
  });

  it('expand broadcasts parameters and adds sample dims', () => {
    const d = dist.gamma(2, tf.ones([3])).expand([5, 3]);
    expect(d.batchShape).toEqual([5, 3]);
    expect(d.sample().shape).toEqual([5, 3]);
    expect(d.logProb(tf.ones([3])).shape).toEqual([5, 3]);
    expect(d.mean().shape).toEqual([5, 3]);
  });

  it('event shapes of vector laws', () => {
    const dir = dist.dirichlet(tf.ones([2, 4]));
    expect([dir.batchShape, dir.eventShape]).toEqual([[2], [4]]);
    expect(dir.sample().shape).toEqual([2, 4]);
    expect(dir.logProb(dir.sample()).shape).toEqual([2]);
    const mvn = dist.multivariateNormal(tf.zeros([5, 3]), { scaleTril: tf.eye(3) });
    expect([mvn.batchShape, mvn.eventShape]).toEqual([[5], [3]]);
    expect(mvn.expand([2, 5]).sample().shape).toEqual([2, 5, 3]);
    expect(mvn.logProb(tf.zeros([7, 5, 3])).shape).toEqual([7, 5]);
    const mvnNumberLoc = dist.multivariateNormal(0, { scaleDiag: tf.ones([2]) });
    expect([mvnNumberLoc.batchShape, mvnNumberLoc.eventShape]).toEqual([[], [2]]);
    const cat = dist.categorical({ logits: tf.zeros([6, 3]) });
    expect([cat.batchShape, cat.eventShape]).toEqual([[6], []]);
    expect(cat.sample().shape).toEqual([6]);
    expect(cat.logProb(tf.zeros([2, 6])).shape).toEqual([2, 6]);
  });

  it('toEvent sums the rightmost batch dims', () => {
    const base = dist.normal(tf.zeros([2, 3]), 1);
    const d = base.toEvent(1);
    expect([d.batchShape, d.eventShape]).toEqual([[2], [3]]);
    const x = tf.randomNormal([2, 3], 0, 1, 'float32', 7); // test data only; not library randomness
    const lp = d.logProb(x);
    expect(lp.shape).toEqual([2]);
    const direct = values(tf.sum(base.logProb(x), 1));
    expectClose(values(lp), direct, 'toEvent');
    const all = d.toEvent(1);
    expect([all.batchShape, all.eventShape]).toEqual([[], [2, 3]]);
    expect(all.logProb(x).shape).toEqual([]);
    expect(d.expand([4, 2]).batchShape).toEqual([4, 2]);
    expect(d.expand([4, 2]).eventShape).toEqual([3]);
    expect(d.expand([4, 2]).sample().shape).toEqual([4, 2, 3]);
    expect(d.support.eventDim).toBe(1);
    expect(base.toEvent(0)).toBe(base);
  });

  it('toEvent of a vector law keeps its own event dims', () => {
    const d = dist.dirichlet(tf.ones([2, 3])).toEvent(1);
    expect([d.batchShape, d.eventShape]).toEqual([[], [2, 3]]);
    expect(d.support.eventDim).toBe(2);
    const check = d.support.check(tf.fill([2, 3], 1 / 3));
    expect(check.shape).toEqual([]);
    expect(values(tf.cast(check, 'float32'))).toEqual([1]);
  });

  it('supports name the right sets', () => {
    expect(dist.uniform(0, 1).support.name).toBe('unitInterval');
    expect(dist.uniform(-1, 2).support.name).toBe('interval');
    expect(dist.bernoulli({ probs: 0.5 }).support.name).toBe('boolean');
    expect(dist.poisson(1).support.name).toBe('nonnegativeInteger');
    expect(dist.binomial(5, { probs: 0.5 }).support.name).toBe('integerInterval');
    expect(dist.categorical({ probs: tf.ones([4]) }).support.describe()).toBe('integers from 0 to 3');
    expect(dist.dirichlet(tf.ones([3])).support.name).toBe('simplex');
    expect(dist.gamma(1, 1).support.name).toBe('positive');
    expect(dist.multivariateNormal(tf.zeros([2]), { scaleDiag: tf.ones([2]) }).support.eventDim).toBe(1);
  });

  it('hasRsample where reparameterisation is exact', () => {
    const yes = [
      dist.normal(0, 1),
      dist.lognormal(0, 1),
      dist.uniform(0, 1),
      dist.exponential(1),
      dist.laplace(0, 1),
      dist.studentT(3),
      dist.multivariateNormal(tf.zeros([2]), { scaleDiag: tf.ones([2]) }),
      dist.delta(1),
      dist.unit(0),
    ];
    const no = [
      dist.studentT(tf.scalar(3)),
      dist.gamma(1, 1),
      dist.beta(1, 1),
      dist.dirichlet(tf.ones([2])),
      dist.bernoulli({ probs: 0.5 }),
      dist.categorical({ probs: tf.ones([2]) }),
      dist.binomial(3, { probs: 0.5 }),
      dist.poisson(1),
    ];
    for (const d of yes) expect(d.hasRsample, d.name).toBe(true);
    for (const d of no) {
      expect(d.hasRsample, d.name).toBe(false);
      expectRouletteError(() => d.rsample(), 'no-rsample', new RegExp(d.name));
    }
  });
});

describe('argument errors', () => {
  afterEach(() => dist.setValidation(false));

  it('plain numbers are checked against their domains, naming law and argument', () => {
    expectRouletteError(() => dist.normal(0, -1), 'invalid-argument', /normal: scale must be positive/, /got -1/);
    expectRouletteError(() => dist.normal(NaN, 1), 'invalid-argument', /normal: loc/);
    expectRouletteError(() => dist.uniform(2, 1), 'invalid-argument', /uniform: low must be less than high/);
    expectRouletteError(() => dist.exponential(0), 'invalid-argument', /exponential: rate/);
    expectRouletteError(() => dist.gamma(-2, 1), 'invalid-argument', /gamma: concentration/);
    expectRouletteError(() => dist.beta(1, 0), 'invalid-argument', /beta: concentration0/);
    expectRouletteError(() => dist.bernoulli({ probs: 1.5 }), 'invalid-argument', /bernoulli: probs/);
    expectRouletteError(() => dist.binomial(2.5, { probs: 0.5 }), 'invalid-argument', /binomial: totalCount/);
    expectRouletteError(() => dist.poisson(-1), 'invalid-argument', /poisson: rate/);
    expectRouletteError(() => dist.studentT(0), 'invalid-argument', /studentT: df/);
    expectRouletteError(() => dist.laplace(0, Infinity), 'invalid-argument', /laplace: scale/);
    expectRouletteError(() => dist.delta(tf.zeros([2]), { eventDim: 2 }), 'invalid-argument', /delta: eventDim/);
  });

  it('alternative parameterisations need exactly one', () => {
    expectRouletteError(() => dist.bernoulli({ probs: 0.5, logits: 0 } as never), 'invalid-argument', /bernoulli: give exactly one/);
    expectRouletteError(() => dist.categorical({} as never), 'invalid-argument', /categorical: give exactly one/);
    expectRouletteError(
      () => dist.multivariateNormal(tf.zeros([2]), {} as never),
      'invalid-argument',
      /multivariateNormal: give exactly one/,
    );
  });

  it('shapes are always checked', () => {
    expectRouletteError(() => dist.normal(tf.zeros([2]), tf.ones([3])), 'shape-mismatch', /normal: scale/, /\[3\]/);
    expectRouletteError(() => dist.categorical({ probs: 0.5 }), 'shape-mismatch', /categorical: probs/);
    expectRouletteError(() => dist.dirichlet(1), 'shape-mismatch', /dirichlet: concentration/);
    expectRouletteError(
      () => dist.multivariateNormal(tf.zeros([3]), { scaleTril: tf.eye(2) }),
      'shape-mismatch',
      /multivariateNormal: loc/,
    );
    expectRouletteError(
      () => dist.multivariateNormal(tf.zeros([2]), { covariance: tf.zeros([2, 3]) }),
      'shape-mismatch',
      /multivariateNormal: covariance must be square/,
    );
    expectRouletteError(() => dist.normal(tf.zeros([3]), 1).expand([2]), 'shape-mismatch', /normal: cannot expand/);
    expectRouletteError(() => dist.normal(tf.zeros([3]), 1).toEvent(2), 'shape-mismatch', /normal: toEvent\(2\)/);
    expectRouletteError(() => dist.normal(0, 1).toEvent(-1), 'invalid-argument', /normal: toEvent/);
    expectRouletteError(() => dist.normal(tf.zeros([3]), 1).logProb(tf.zeros([4])), 'shape-mismatch', /normal: a value of shape \[4\]/);
    expectRouletteError(() => dist.dirichlet(tf.ones([3])).logProb(tf.ones([2])), 'shape-mismatch', /dirichlet/);
  });

  it('tensor values are checked only under setValidation(true)', () => {
    const badScale = tf.tensor1d([1, -1]);
    expect(() => dist.normal(0, badScale)).not.toThrow();
    dist.setValidation(true);
    expectRouletteError(() => dist.normal(0, badScale), 'invalid-argument', /normal: scale must be positive/, /-1 at flat index 1/);
    expectRouletteError(() => dist.uniform(tf.scalar(1), tf.scalar(0)), 'invalid-argument', /uniform: low must be less than high/);
    expectRouletteError(
      () => dist.multivariateNormal(tf.zeros([2]), { covariance: tf.tensor2d([[1, 2], [2, 1]]) }),
      'invalid-argument',
      /multivariateNormal: covariance/,
    );
    expect(() => dist.normal(0, tf.tensor1d([1, 2]))).not.toThrow();
  });
});

describe('memory', () => {
  it('logProb, sample, mean and variance leak no intermediates', () => {
    const laws = [
      dist.normal(0, 1),
      dist.gamma(0.5, 2),
      dist.beta(2, 3),
      dist.dirichlet(tf.ones([3])),
      dist.categorical({ logits: tf.zeros([3]) }),
      dist.poisson(20),
      dist.binomial(30, { probs: 0.4 }),
      dist.multivariateNormal(tf.zeros([2]), { covariance: tf.eye(2) }),
      dist.studentT(3).toEvent(0),
      dist.normal(tf.zeros([2]), 1).toEvent(1),
    ];
    for (const d of laws) {
      const before = tf.memory().numTensors;
      const x = d.sample();
      const lp = d.logProb(x);
      const m = d.mean();
      const v = d.variance();
      expect(tf.memory().numTensors, d.name).toBe(before + 4);
      tf.dispose([x, lp, m, v]);
    }
  });
});

describe('probabilities given positionally, as the language takes them', () => {
  it('bernoulli(p), binomial(n, p) and categorical(p) are the { probs } laws', () => {
    const same = (a: { logProb(v: tf.Tensor): tf.Tensor }, b: { logProb(v: tf.Tensor): tf.Tensor }, v: tf.Tensor): void => {
      expect(Array.from(a.logProb(v).dataSync())).toEqual(Array.from(b.logProb(v).dataSync()));
    };
    same(dist.bernoulli(0.3), dist.bernoulli({ probs: 0.3 }), tf.tensor1d([0, 1]));
    same(dist.binomial(10, 0.3), dist.binomial(10, { probs: 0.3 }), tf.tensor1d([0, 3, 10]));
    same(dist.categorical(tf.tensor1d([0.2, 0.8])), dist.categorical({ probs: tf.tensor1d([0.2, 0.8]) }), tf.tensor1d([0, 1]));
    expect(() => dist.bernoulli({} as never)).toThrow('bernoulli: give exactly one of { probs } or { logits }, got none');
  });
});
