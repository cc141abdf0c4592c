/**
 * Which chain states the lag-L estimator uses, and with what weights (Jacob, O'Leary, Atchade 2020):
 * the time average of h over u_{t0} .. u_m, plus correction terms h(u_t) - h(ubar_{t-L}) for
 * t0 + L <= t < tau weighted by v_t / (m - t0 + 1). The estimator is the average over l = t0 .. m of the
 * single-time estimators h(u_l) + sum_{j >= 1} (h(u_{l+jL}) - h(ubar_{l+(j-1)L})), so v_t counts the l in
 * t0 .. m with t - l a positive multiple of L; the closed form below is that count.
 */
export interface AveragingWindow {
  readonly t0: number;
  /** The last averaged iteration, m = t0 + window - 1. */
  readonly last: number;
  readonly lag: number;
  inWindow(t: number): boolean;
  /** v_t: how many of the averaged single-time estimators carry the correction term at t (t >= t0 + L). */
  correctionWeight(t: number): number;
}

export function averagingWindow(t0: number, window: number, lag: number): AveragingWindow {
  const last = t0 + window - 1;
  return {
    t0,
    last,
    lag,
    inWindow: (t) => t >= t0 && t <= last,
    correctionWeight: (t) => Math.floor((t - t0) / lag) - Math.ceil(Math.max(lag, t - last) / lag) + 1,
  };
}
