import * as tf from '@tensorflow/tfjs';
import { untaped, withGradient } from '../../runtime/detach.js';

/**
 * Special functions as differentiable float32 tensor ops (tfjs has none of them), plus float64 host
 * versions for the host-side samplers. Domain of the gamma-family functions: x > 0 (x = 0 gives the
 * limit, negative x gives NaN; no reflection formula, the distributions never need one).
 */

export const LOG_2PI = Math.log(2 * Math.PI);
const HALF_LOG_2PI = 0.5 * LOG_2PI;

// Below this, shift the argument up by LGAMMA_SHIFT so Stirling's series is accurate to ~3e-10.
const LGAMMA_SHIFT = 8;
// Below this, shift by DIGAMMA_SHIFT so the asymptotic series for digamma is accurate to ~1e-11.
const DIGAMMA_SHIFT = 6;

/** Stirling's series for log Gamma(z), accurate for z >= 8. */
function stirling(z: tf.Tensor): tf.Tensor {
  const r = tf.reciprocal(z);
  const r2 = tf.square(r);
  // 1/(12z) - 1/(360z^3) + 1/(1260z^5) - 1/(1680z^7) in Horner form
  const series = tf.mul(r, tf.add(1 / 12, tf.mul(r2, tf.add(-1 / 360, tf.mul(r2, tf.add(1 / 1260, tf.mul(r2, -1 / 1680)))))));
  return tf.add(tf.sub(tf.mul(tf.sub(z, 0.5), tf.log(z)), z), tf.add(series, HALF_LOG_2PI));
}

function lgammaForward(x: tf.Tensor): tf.Tensor {
  // Runs inside customGrad (untaped), so the branch masks below never meet autodiff.
  const small = tf.less(x, LGAMMA_SHIFT);
  const z = tf.where(small, tf.add(x, LGAMMA_SHIFT), x);
  // log(x (x+1) ... (x+7)) as two products of four: no overflow for x < 8, fewer roundings than 8 logs.
  const p1 = tf.mul(tf.mul(x, tf.add(x, 1)), tf.mul(tf.add(x, 2), tf.add(x, 3)));
  const p2 = tf.mul(tf.mul(tf.add(x, 4), tf.add(x, 5)), tf.mul(tf.add(x, 6), tf.add(x, 7)));
  const logProduct = tf.add(tf.log(p1), tf.log(p2));
  return tf.sub(stirling(z), tf.where(small, logProduct, tf.zerosLike(x)));
}

function digammaForward(x: tf.Tensor): tf.Tensor {
  const small = tf.less(x, DIGAMMA_SHIFT);
  const z = tf.where(small, tf.add(x, DIGAMMA_SHIFT), x);
  let shiftSum = tf.zerosLike(x);
  for (let k = 0; k < DIGAMMA_SHIFT; k++) shiftSum = tf.add(shiftSum, tf.reciprocal(tf.add(x, k)));
  const r2 = tf.reciprocal(tf.square(z));
  // 1/(12z^2) - 1/(120z^4) + 1/(252z^6) - 1/(240z^8) + 1/(132z^10)
  const series = tf.mul(
    r2,
    tf.add(1 / 12, tf.mul(r2, tf.add(-1 / 120, tf.mul(r2, tf.add(1 / 252, tf.mul(r2, tf.add(-1 / 240, tf.mul(r2, 1 / 132)))))))),
  );
  const asymptotic = tf.sub(tf.sub(tf.log(z), tf.div(0.5, z)), series);
  return tf.sub(asymptotic, tf.where(small, shiftSum, tf.zerosLike(x)));
}

/**
 * Trigamma psi'(x), x > 0. Branch-free (always shifted by 6), so plain autodiff works through it.
 */
export function trigamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let shiftSum = tf.zerosLike(x);
    for (let k = 0; k < DIGAMMA_SHIFT; k++) shiftSum = tf.add(shiftSum, tf.reciprocal(tf.square(tf.add(x, k))));
    const z = tf.add(x, DIGAMMA_SHIFT);
    const r = tf.reciprocal(z);
    const r2 = tf.square(r);
    // 1/z + 1/(2z^2) + 1/(6z^3) - 1/(30z^5) + 1/(42z^7) - 1/(30z^9)
    const odd = tf.mul(
      tf.mul(r, r2),
      tf.add(1 / 6, tf.mul(r2, tf.add(-1 / 30, tf.mul(r2, tf.add(1 / 42, tf.mul(r2, -1 / 30)))))),
    );
    const asymptotic = tf.add(tf.add(r, tf.mul(r2, 0.5)), odd);
    return tf.add(asymptotic, shiftSum);
  });
}

const digammaOp = withGradient(digammaForward, (x, dy) => tf.mul(dy, trigamma(x)));

// The exact derivative, rather than autodiff through the series and its branches.
const lgammaOp = withGradient(lgammaForward, (x, dy) => tf.mul(dy, digamma(x)));

function asFloat(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

/**
 * log |Gamma(x)| for x > 0, elementwise; absolute error about 1e-6 near the zeros at 1 and 2,
 * relative error about 1e-7 elsewhere. Its gradient is `digamma(x)`.
 *
 * @example
 * lgamma(tf.tensor([0.5, 10])); // [0.5724, 12.8018]
 */
export function lgamma(x: tf.Tensor): tf.Tensor {
  return lgammaOp(asFloat(x));
}

/**
 * The digamma function psi(x) = d/dx log Gamma(x), x > 0. Its gradient is `trigamma(x)`.
 *
 * @example
 * digamma(tf.scalar(1)); // -0.5772 (minus the Euler-Mascheroni constant)
 */
export function digamma(x: tf.Tensor): tf.Tensor {
  return digammaOp(asFloat(x));
}

/**
 * log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b). In float32 the three terms cancel for large
 * arguments: the absolute error grows like 1e-7 * lgamma(a + b).
 *
 * @example
 * logBeta(tf.scalar(2), tf.scalar(3)); // log(1/12)
 */
export function logBeta(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.add(lgamma(a), lgamma(b)), lgamma(tf.add(a, b))));
}

/**
 * log(1 - exp(x)) for x <= 0, stable at both ends (Maechler's two branches).
 *
 * @example
 * log1mexp(tf.scalar(-1e-8)); // log(1e-8), where the naive form gives -Infinity
 */
export function log1mexp(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const nearZero = untaped(() => tf.greater(x, -Math.LN2));
    return tf.where(nearZero, tf.log(tf.neg(tf.expm1(x))), tf.log1p(tf.neg(tf.exp(x))));
  });
}

/**
 * x * log(y) with the convention 0 * log(0) = 0 (the limit that densities need at support edges),
 * and no NaN gradient from the unused branch.
 *
 * @example
 * xlogy(tf.scalar(0), tf.scalar(0)); // 0
 */
export function xlogy(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const zero = untaped(() => tf.equal(x, 0));
    const safeY = tf.where(zero, tf.onesLike(y), y);
    return tf.where(zero, tf.zerosLike(x), tf.mul(x, tf.log(safeY)));
  });
}

/** x * log1p(y) with 0 * log1p(-1) = 0. */
export function xlog1py(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const zero = untaped(() => tf.equal(x, 0));
    const safeY = tf.where(zero, tf.zerosLike(y), y);
    return tf.where(zero, tf.zerosLike(x), tf.mul(x, tf.log1p(safeY)));
  });
}

// Stirling coefficients B_{2k} / (2k (2k-1)), k = 1..10.
const STIRLING_COEFFS = [
  8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4,
  8.417508417508418e-4, -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2,
  1.796443723688307e-1, -1.3924322169059e0,
];

/**
 * log Gamma(x) in float64 on the host, x > 0 (relative error ~1e-15): for the Poisson and binomial
 * samplers, whose exact acceptance tests need more precision than float32.
 *
 * @example
 * lgammaNumber(101); // log(100!)
 */
export function lgammaNumber(x: number): number {
  if (x === 1 || x === 2) return 0;
  const shift = x < 7 ? Math.floor(7 - x) : 0;
  let z = x + shift;
  const r2 = 1 / (z * z);
  let series = STIRLING_COEFFS[9]!;
  for (let k = 8; k >= 0; k--) series = series * r2 + STIRLING_COEFFS[k]!;
  let result = series / z + HALF_LOG_2PI + (z - 0.5) * Math.log(z) - z;
  for (let k = 0; k < shift; k++) {
    z -= 1;
    result -= Math.log(z);
  }
  return result;
}
