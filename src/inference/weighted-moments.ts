/**
 * Moments and quantiles of weighted draws, per element of a site: the mean, sd and quantiles of
 * sum_s w_s delta(x_s) for normalised weights w (equal weights for plain draws). Host-side Float64.
 */

/** Summary statistics of one site, per element of its (per-draw) shape, flattened row-major. */
export interface SiteMoments {
  readonly name: string;
  /** The site's shape in one draw (elements are listed row-major). */
  readonly shape: readonly number[];
  readonly mean: readonly number[];
  readonly sd: readonly number[];
  /** One array per entry of `probs`. */
  readonly quantiles: readonly (readonly number[])[];
  readonly probs: readonly number[];
  /**
   * Monte Carlo standard error of the mean, sqrt(sum_s w_s^2 (x_s - mean)^2) (the delta method for
   * self-normalised weights; sd / sqrt(S) for equal weights).
   */
  readonly mcseMean: readonly number[];
  /** Monte Carlo standard error of the sd, by the delta method on the second central moment. */
  readonly mcseSd: readonly number[];
}

/**
 * The weighted quantile at p by interpolating the weighted empirical CDF between the midpoints of the
 * sorted draws' weights (c_i = W_{i-1} + w_i / 2); for equal weights this is Hazen's rule,
 * (i - 1/2) / S. `order` sorts `x` ascending.
 */
export function weightedQuantile(x: ArrayLike<number>, w: ArrayLike<number>, order: readonly number[], p: number): number {
  let below = 0;
  let prevMid = -Infinity;
  let prevX = x[order[0]!]!;
  for (const i of order) {
    const wi = w[i]!;
    if (wi <= 0) continue;
    const mid = below + wi / 2;
    if (p <= mid) {
      if (prevMid === -Infinity) return x[i]!;
      return prevX + ((x[i]! - prevX) * (p - prevMid)) / (mid - prevMid);
    }
    below += wi;
    prevMid = mid;
    prevX = x[i]!;
  }
  return prevX;
}

/**
 * Moments of one site's draws. `values` holds S draws of `size` elements each ([S, size] row-major);
 * `weightOf(s, e)` is the normalised weight of draw s for element e (elements of a per-datapoint site
 * use their datapoint's weights).
 */
export function siteMoments(
  name: string,
  shape: readonly number[],
  values: ArrayLike<number>,
  draws: number,
  weightOf: (element: number) => ArrayLike<number>,
  probs: readonly number[],
): SiteMoments {
  const size = shape.reduce((a, b) => a * b, 1);
  const mean: number[] = [];
  const sd: number[] = [];
  const mcseMean: number[] = [];
  const mcseSd: number[] = [];
  const quantiles: number[][] = probs.map(() => []);
  const x = new Float64Array(draws);
  for (let e = 0; e < size; e++) {
    const w = weightOf(e);
    for (let s = 0; s < draws; s++) x[s] = values[s * size + e]!;
    let m = 0;
    for (let s = 0; s < draws; s++) m += w[s]! * x[s]!;
    let m2 = 0;
    let varMean = 0;
    for (let s = 0; s < draws; s++) {
      const d2 = (x[s]! - m) ** 2;
      m2 += w[s]! * d2;
      varMean += w[s]! ** 2 * d2;
    }
    let varM2 = 0;
    for (let s = 0; s < draws; s++) varM2 += w[s]! ** 2 * ((x[s]! - m) ** 2 - m2) ** 2;
    const sdValue = Math.sqrt(m2);
    mean.push(m);
    sd.push(sdValue);
    mcseMean.push(Math.sqrt(varMean));
    // A constant site (sd 0) has no sd error to speak of.
    mcseSd.push(sdValue > 0 ? Math.sqrt(varM2) / (2 * sdValue) : 0);
    const order = Array.from({ length: draws }, (_, s) => s).sort((a, b) => x[a]! - x[b]!);
    probs.forEach((p, j) => quantiles[j]!.push(weightedQuantile(x, w, order, p)));
  }
  return { name, shape, mean, sd, quantiles, probs, mcseMean, mcseSd };
}
