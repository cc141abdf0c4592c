import * as tf from '@tensorflow/tfjs';
import { untaped } from '../../runtime/detach.js';
import { log1mexp } from './special.js';

/**
 * The standard normal CDF, its logarithm, its inverse and the mass of an interval, as float32 tensor
 * ops that stay accurate far into both tails (tfjs's `erf` is accurate only in absolute terms, so
 * 1 - erf loses every digit of a small tail). Everything is built on one function, the scaled
 * complementary error function erfcx(x) = exp(x^2) erfc(x) for x >= 0, which is smooth and bounded, so
 * log Phi(-x) = log(erfcx(x / sqrt 2) / 2) - x^2 / 2 has no underflow at any x. Gradients are written by
 * hand (the branches below would put NaN into autodiff).
 */

const LN2 = Math.LN2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// (1 + 2x) erfcx(x) as a Chebyshev series in t = (x - 3) / (x + 3); relative error 2.5e-9 in float64
// (scripts/reference/erfcx-chebyshev.py fits and checks it).
const ERFCX_K = 3;
const ERFCX_CHEBYSHEV = [
  1.1775625741965603, 0.005353904539615779, -0.0937755034228421, 0.054366525557443056, -0.01897659670784347,
  0.004453426061469839, -0.0006335531710750331, 1.7661719342103745e-5, 1.2841533071888822e-5, -2.007224288368331e-6,
  -1.8075375499172305e-7, 7.539466740879872e-8, 1.9002693531263096e-9,
];

/**
 * sum_k c_k T_k(t), t = (x - k) / (x + k), for x in [0, 1e30] (larger x is clamped, which keeps t
 * finite at Infinity), by Clenshaw's recurrence: b_k = c_k + 2t b_{k+1} - b_{k+2}; the sum is
 * c_0 + t b_1 - b_2.
 */
function chebyshevOnHalfLine(x: tf.Tensor, k: number, coefficients: readonly number[]): tf.Tensor {
  const xc = tf.minimum(x, 1e30);
  const t = tf.div(tf.sub(xc, k), tf.add(xc, k));
  const twoT = tf.mul(t, 2);
  let b1: tf.Tensor = tf.zerosLike(t);
  let b2: tf.Tensor = tf.zerosLike(t);
  for (let i = coefficients.length - 1; i >= 1; i--) {
    const b0 = tf.add(tf.sub(tf.mul(twoT, b1), b2), coefficients[i]!);
    b2 = b1;
    b1 = b0;
  }
  return tf.add(tf.sub(tf.mul(t, b1), b2), coefficients[0]!);
}

/** erfcx(x) for x >= 0 (forward only). Beyond 1e30 it is 1 / (x sqrt(pi)) to float32 precision. */
function erfcxNonNegative(x: tf.Tensor): tf.Tensor {
  return tf.div(chebyshevOnHalfLine(x, ERFCX_K, ERFCX_CHEBYSHEV), tf.add(tf.mul(tf.minimum(x, 1e30), 2), 1));
}

/**
 * erfcx(x) = exp(x^2) erfc(x) for any x (forward only; for x < 0 it is 2 exp(x^2) - erfcx(-x), which
 * overflows to Infinity below about -9.4, as the function does).
 */
export function erfcx(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const a = erfcxNonNegative(tf.abs(x));
    return tf.where(tf.less(x, 0), tf.sub(tf.mul(tf.exp(tf.square(x)), 2), a), a);
  });
}

/** The tails of N(0, 1) at x, from one erfcx evaluation. */
interface Tails {
  /** log of the smaller tail, log min(Phi(x), 1 - Phi(x)) = log Phi(-|x|). */
  readonly logTail: tf.Tensor;
  /** Phi(-|x|) itself (underflows to 0 beyond |x| of about 14; use logTail there). */
  readonly tail: tf.Tensor;
  /** erf(|x| / sqrt 2) = 1 - 2 Phi(-|x|), accurate near 0 too. */
  readonly erfAbs: tf.Tensor;
  /** phi(x) / Phi(x), the hazard of the left tail (d log Phi / dx). */
  readonly hazard: tf.Tensor;
}

function tails(x: tf.Tensor): Tails {
  const y = tf.mul(tf.abs(x), Math.SQRT1_2);
  const a = erfcxNonNegative(y);
  const halfSquare = tf.mul(tf.square(x), 0.5);
  const logTail = tf.sub(tf.sub(tf.log(a), LN2), halfSquare);
  const tail = tf.mul(tf.mul(a, tf.exp(tf.neg(halfSquare))), 0.5);
  // Below |x| = 0.7 (y < 0.5), 1 - 2 tail cancels: use erf's Taylor series (7 terms: error < 1e-9).
  const y2 = tf.square(y);
  let poly: tf.Tensor = tf.scalar(1 / 9360);
  for (const c of [-1 / 1320, 1 / 216, -1 / 42, 1 / 10, -1 / 3, 1]) poly = tf.add(tf.mul(poly, y2), c);
  const erfSmall = tf.mul(tf.mul(y, poly), TWO_OVER_SQRT_PI);
  const erfAbs = tf.where(tf.less(y, 0.5), erfSmall, tf.sub(1, tf.mul(tail, 2)));
  // Left of 0, phi / Phi = sqrt(2 / pi) / erfcx(-x / sqrt 2) (no cancellation of two huge logs);
  // right of 0, Phi >= 1/2 and the plain ratio is exact.
  const phi = tf.exp(tf.sub(tf.neg(halfSquare), LOG_SQRT_2PI));
  const hazard = tf.where(tf.less(x, 0), tf.div(SQRT_2_OVER_PI, a), tf.div(phi, tf.sub(1, tail)));
  return { logTail, tail, erfAbs, hazard };
}

/** log Phi(x) from its tails: the small tail on the left, log1p(-tail) on the right. */
function logNdtrFrom(x: tf.Tensor, t: Tails): tf.Tensor {
  return tf.where(tf.less(x, 0), t.logTail, tf.log1p(tf.neg(t.tail)));
}

const logNdtrOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: logNdtrFrom(x, tails(x)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tails(saved[0]!).hazard),
  };
});

/**
 * log Phi(x), the log of the standard normal CDF, elementwise; relative error about 1e-7 for every x
 * (log Phi(-40) = -804.6 with no underflow). Its gradient is phi(x) / Phi(x).
 *
 * @example
 * logNdtr(tf.tensor([-40, 0, 3])); // [-804.608, -0.6931, -0.00135]
 */
export function logNdtr(x: tf.Tensor): tf.Tensor {
  return logNdtrOp(x) as tf.Tensor;
}

/** log phi(x), the standard normal log density. */
function logPhi(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.square(x), -0.5), LOG_SQRT_2PI);
}

/**
 * Phi^-1(exp(l)) for l <= log(1/2) (a left-tail quantile, x <= 0): Abramowitz & Stegun 26.2.23 (error
 * below 4.5e-4, written in s = sqrt(-2 l) so it works directly from a log probability) refined by two
 * Newton steps on log Phi(x) = l. log Phi is concave, so Newton converges from either side; its error
 * squares each step, well below float32 resolution after two. Forward only.
 */
function leftQuantileFromLog(l: tf.Tensor): tf.Tensor {
  const lc = tf.maximum(l, -1e37); // -Infinity would make the initial guess NaN
  const s = tf.sqrt(tf.mul(lc, -2));
  const numerator = tf.add(2.515517, tf.mul(s, tf.add(0.802853, tf.mul(s, 0.010328))));
  const denominator = tf.add(1, tf.mul(s, tf.add(1.432788, tf.mul(s, tf.add(0.189269, tf.mul(s, 0.001308))))));
  let x = tf.neg(tf.sub(s, tf.div(numerator, denominator)));
  for (let step = 0; step < 2; step++) {
    const t = tails(x);
    x = tf.sub(x, tf.div(tf.sub(logNdtrFrom(x, t), lc), t.hazard));
  }
  // Newton may step a hair past 0 near l = log(1/2); the quantile of a left tail is <= 0.
  return tf.where(tf.equal(l, -Infinity), tf.scalar(-Infinity), tf.minimum(x, 0));
}

const ndtriLogOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const l = args[0] as tf.Tensor;
  // The upper half by symmetry: Phi^-1(p) = -Phi^-1(1 - p), log(1 - p) = log1mexp(l).
  const right = tf.greater(l, -LN2);
  const x = tf.where(right, tf.neg(leftQuantileFromLog(log1mexp(tf.minimum(l, 0)))), leftQuantileFromLog(tf.minimum(l, -LN2)));
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: x,
    // dx/dl = 1 / (d log Phi / dx) = Phi(x) / phi(x).
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tails(saved[0]!).hazard),
  };
});

/**
 * The standard normal quantile from a log probability: x with log Phi(x) = l (l <= 0), elementwise.
 * Working from log p keeps far-tail quantiles exact (l = -1000 gives x = -44.5). Its gradient is
 * Phi(x) / phi(x).
 *
 * @example
 * ndtriLog(tf.log(tf.tensor([0.025, 0.5, 0.975]))); // [-1.96, 0, 1.96]
 */
export function ndtriLog(l: tf.Tensor): tf.Tensor {
  return ndtriLogOp(l) as tf.Tensor;
}

/**
 * log(Phi(b) - Phi(a)) in the three regimes where it is stable: both bounds right of 0 (differences of
 * upper tails, in log space), both left of 0 (lower tails), or 0 between them (erf of each side, no
 * cancellation). `a` and `b` must have the same shape. Forward only.
 */
function logMassForward(a: tf.Tensor, b: tf.Tensor, ta: Tails, tb: Tails): tf.Tensor {
  const right = tf.greaterEqual(a, 0);
  const left = tf.lessEqual(b, 0);
  // The bound nearer 0 holds most of the mass: log tail(near) + log(1 - tail(far) / tail(near)).
  const nearLog = tf.where(right, ta.logTail, tb.logTail);
  const farLog = tf.where(right, tb.logTail, ta.logTail);
  const oneSided = tf.add(nearLog, log1mexp(tf.minimum(tf.sub(farLog, nearLog), 0)));
  const straddling = tf.sub(tf.log(tf.add(ta.erfAbs, tb.erfAbs)), LN2);
  return tf.where(tf.logicalOr(right, left), oneSided, straddling);
}

const logNormalMassOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const a = args[0] as tf.Tensor;
  const b = args[1] as tf.Tensor;
  const value = logMassForward(a, b, tails(a), tails(b));
  (args[2] as tf.GradSaveFunc)([a, b, value]);
  return {
    value,
    // d/da log Z = -phi(a) / Z, d/db log Z = phi(b) / Z; exp(-Infinity) = 0 at infinite bounds.
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb, logZ] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      return [tf.neg(tf.mul(dy, tf.exp(tf.sub(logPhi(sa), logZ)))), tf.mul(dy, tf.exp(tf.sub(logPhi(sb), logZ)))];
    },
  };
});

/**
 * log(Phi(b) - Phi(a)), the log mass of [a, b] under N(0, 1), for a < b (either may be infinite);
 * accurate in both tails (log mass of [10, Infinity] = -53.23) and for narrow intervals around 0.
 * Broadcasts `a` against `b`; differentiable in both.
 *
 * @example
 * logNormalMass(tf.scalar(-1.96), tf.scalar(1.96)); // log(0.95)
 */
export function logNormalMass(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    return logNormalMassOp(tf.broadcastTo(a, shape), tf.broadcastTo(b, shape)) as tf.Tensor;
  });
}

/**
 * The inverse CDF of N(0, 1) truncated to [a, b] at u in (0, 1), chosen per element so no step
 * subtracts nearly equal probabilities: right of 0 it works with upper tails in log space, left of 0
 * with lower tails, and across 0 with whichever of Phi(z), 1 - Phi(z) is below 1/2.
 */
function truncatedQuantileForward(a: tf.Tensor, b: tf.Tensor, u: tf.Tensor): tf.Tensor {
  const ta = tails(a);
  const tb = tails(b);
  const right = tf.greaterEqual(a, 0);
  const left = tf.lessEqual(b, 0);
  // Right of 0: log Q(z) = log Q(a) + log(1 - u (1 - Q(b) / Q(a))), z = -Phi^-1(Q(z)).
  const fracRight = tf.neg(tf.expm1(tf.minimum(tf.sub(tb.logTail, ta.logTail), 0)));
  const logRight = tf.add(ta.logTail, tf.log1p(tf.neg(tf.mul(u, fracRight))));
  // Left of 0: log Phi(z) = log Phi(b) + log(u + r (1 - u)), r = Phi(a) / Phi(b) (a sum of positive
  // terms, and a = -Infinity gives r = 0).
  const ratioLeft = tf.exp(tf.minimum(tf.sub(ta.logTail, tb.logTail), 0));
  const logLeft = tf.add(tb.logTail, tf.log(tf.add(u, tf.mul(ratioLeft, tf.sub(1, u)))));
  // Across 0: Phi(z) = Phi(a) + u Z and 1 - Phi(z) = Q(b) + (1 - u) Z, Z = (erf(|a|/sqrt2) + erf(b/sqrt2)) / 2.
  const mass = tf.mul(tf.add(ta.erfAbs, tb.erfAbs), 0.5);
  const below = tf.add(ta.tail, tf.mul(u, mass));
  const above = tf.add(tb.tail, tf.mul(tf.sub(1, u), mass));
  const useBelow = tf.lessEqual(below, 0.5);
  const logStraddle = tf.log(tf.where(useBelow, below, above));
  // Every branch gives the log of a left-tail probability (<= 1/2) and the sign of the quantile.
  const logP = tf.where(right, logRight, tf.where(left, logLeft, logStraddle));
  const flip = tf.logicalOr(right, tf.logicalAnd(tf.logicalNot(left), tf.logicalNot(useBelow)));
  const q = leftQuantileFromLog(tf.minimum(logP, -LN2));
  const z = tf.where(flip, tf.neg(q), q);
  return tf.minimum(tf.maximum(z, a), b);
}

const truncatedQuantileOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, u] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
  const z = truncatedQuantileForward(a, b, u);
  (args[3] as tf.GradSaveFunc)([a, b, u, z]);
  return {
    value: z,
    // Implicit differentiation of F(z; a, b) = u: dz/da = (1 - u) phi(a) / phi(z), dz/db = u phi(b) / phi(z).
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb, su, sz] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const lz = logPhi(sz);
      const da = tf.mul(tf.sub(1, su), tf.exp(tf.sub(logPhi(sa), lz)));
      const db = tf.mul(su, tf.exp(tf.sub(logPhi(sb), lz)));
      return [tf.mul(dy, da), tf.mul(dy, db), tf.zerosLike(su)];
    },
  };
});

/**
 * A draw of N(0, 1) truncated to [a, b] by inversion of uniforms `u` (all three of one shape):
 * differentiable in `a` and `b` (implicit reparameterisation), inside [a, b] exactly, and accurate in
 * the far tails (a = 8: draws just above 8, not Infinity or NaN).
 */
export function truncatedStandardNormalQuantile(a: tf.Tensor, b: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return truncatedQuantileOp(a, b, u) as tf.Tensor;
}

// For Z ~ N(0, 1) given Z > a >= 0: D(a) (1 + a) and V(a) (1 + a^2), D the mean excess E[Z] - a and V
// the variance, as Chebyshev series in t = (a - 3) / (a + 3); relative errors 2e-10 and 1.3e-8 in float64
// (scripts/reference/truncated-moments-chebyshev.py). The closed forms cancel in float32 as a grows.
const TAIL_K = 3;
const TAIL_EXCESS = [
  1.011688142569227, 0.0805715464844641, -0.11651764346673689, 0.022041140531654294, 0.003964311605239768,
  -0.0016682182809595527, -0.00020699932937518427, 0.00012142571760025986, 1.5843586613171745e-5, -8.734593530831857e-6,
  -1.5125060270805275e-6, 5.931038590451205e-7, 1.510953070028659e-7, -3.4739378631333895e-8, -1.4277863760625194e-8,
  1.3699133260560566e-9, 1.2853558705224895e-9,
];
const TAIL_VARIANCE = [
  0.6767857866230533, 0.3885807733859571, -0.009844677233046082, -0.07595900139914066, 0.0166446243747379,
  0.006192220340015807, -0.0020877331885736056, -0.0005550955972438131, 0.00020920755768551638, 5.652729413644183e-5,
  -1.8393817046435247e-5, -6.133579953838194e-6, 1.3721597987826974e-6, 6.552141958531108e-7, -7.330133652963771e-8,
  -6.431392153665287e-8, -4.025969811645732e-10,
];

// Below this ratio of the far tail to the near one, the far bound changes no float32 digit of the moments.
const LOG_NEGLIGIBLE = Math.log(1e-12);

/**
 * Mean and variance of N(0, 1) truncated to [a, b] (same shape; either bound may be infinite):
 * the closed forms E = (phi(a) - phi(b)) / Z, Var = 1 + (a phi(a) - b phi(b)) / Z - E^2, except where
 * the mass sits in one tail with the far bound negligible, where those cancel and the fitted one-sided
 * series take over (a >= 0: E = a + D(a), Var = V(a); mirrored for b <= 0).
 */
export function truncatedStandardNormalMoments(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const ta = tails(a);
  const tb = tails(b);
  const logZ = logNormalMass(a, b);
  // phi(bound) / Z and bound phi(bound) / Z, both 0 at an infinite bound (via a finite stand-in).
  const edge = (bound: tf.Tensor): [tf.Tensor, tf.Tensor] => {
    const finite = untaped(() => tf.isFinite(bound));
    const safe = tf.where(finite, bound, tf.zerosLike(bound));
    const ratio = tf.where(finite, tf.exp(tf.sub(logPhi(safe), logZ)), tf.zerosLike(logZ));
    return [ratio, tf.mul(safe, ratio)];
  };
  const [ra, ma] = edge(a);
  const [rb, mb] = edge(b);
  const directMean = tf.sub(ra, rb);
  const directVariance = tf.sub(tf.add(1, tf.sub(ma, mb)), tf.square(directMean));
  const right = untaped(() => tf.logicalAnd(tf.greaterEqual(a, 0), tf.less(tf.sub(tb.logTail, ta.logTail), LOG_NEGLIGIBLE)));
  const left = untaped(() => tf.logicalAnd(tf.lessEqual(b, 0), tf.less(tf.sub(ta.logTail, tb.logTail), LOG_NEGLIGIBLE)));
  // The near bound, distance from 0 (>= 0); clamped so the unused branch stays finite.
  const near = tf.maximum(tf.where(right, a, tf.where(left, tf.neg(b), tf.zerosLike(a))), 0);
  const excess = tf.div(chebyshevOnHalfLine(near, TAIL_K, TAIL_EXCESS), tf.add(near, 1));
  const tailVariance = tf.div(chebyshevOnHalfLine(near, TAIL_K, TAIL_VARIANCE), tf.add(tf.square(near), 1));
  const tailMean = tf.where(right, tf.add(near, excess), tf.neg(tf.add(near, excess)));
  const oneSided = untaped(() => tf.logicalOr(right, left));
  return [tf.where(oneSided, tailMean, directMean), tf.where(oneSided, tailVariance, directVariance)];
}
