import * as tf from '@tensorflow/tfjs';
import { dist, observe, param, plate, sample } from '../../src/index.js';
import { CouplingFlow, zeroOutputMlp, type CouplingLayer } from '../../src/inference/index.js';

/** Observation noise sd: small against the prior, so the posterior hugs the parabola z2 = mean(x) - z1^2. */
export const BANANA_NOISE = 0.3;

/**
 * A banana-shaped posterior: z ~ N(theta, I_2) with theta (2-d) the model's parameter, and
 * x_j | z ~ N(z2 + z1^2, 0.3^2), j = 1..n. Given the data, z2 + z1^2 is pinned near mean(x) while z1
 * is left to the prior: the posterior is a curved ridge no Gaussian fits. The latent is global, so the
 * whole data set is one datapoint (log w has shape [K]).
 */
export function bananaModel(x: tf.Tensor): void {
  const theta = param('prior.loc', () => tf.zeros([2]));
  const z = sample('z', dist.normal(theta, 1).toEvent(1));
  const [z1, z2] = tf.split(z, 2, -1) as [tf.Tensor, tf.Tensor];
  // Drop the split's trailing 1 so the particle dim (left of the data plate) broadcasts against x.
  const mean = tf.squeeze(tf.add(z2, tf.square(z1)), [z.rank - 1]);
  plate('data', x.shape[0]!, () => {
    observe('x', dist.normal(mean, BANANA_NOISE), x);
  });
}

/**
 * The guide: q(z) = loc + scale * f(eps), eps ~ N(0, I), f a stack of affine coupling layers
 * (src/inference/autoguide/coupling.ts) alternating which coordinate conditions the other. The
 * layers' networks start at zero output, so q starts as N(loc, scale^2) and learns the bend.
 */
export function flowGuide(options: { readonly layers?: number; readonly hidden?: readonly number[] } = {}) {
  const count = options.layers ?? 4;
  const hidden = options.hidden ?? [32, 32];
  const layers: CouplingLayer[] = Array.from({ length: count }, (_, i) => {
    const keep = [i % 2];
    const change = [1 - (i % 2)];
    return { keep, change, net: zeroOutputMlp(`flow.${i}`, [1, ...hidden, 2]) };
  });
  return (): void => {
    const loc = param('guide.loc', () => tf.zeros([2]));
    const scale = param('guide.scale', () => tf.ones([2]), { constraint: 'positive' });
    sample('z', new CouplingFlow(loc, scale, layers));
  };
}

/**
 * Exact log p(x | theta): given z1, s = z2 + z1^2 ~ N(theta2 + z1^2, 1), and prod_j N(x_j; s, sigma^2)
 * integrates against it in closed form; the remaining 1-d integral over z1 ~ N(theta1, 1) is done by
 * a fine Riemann sum in log space (float64, host).
 */
export function exactLogMarginal(x: readonly number[], theta: readonly [number, number]): number {
  const n = x.length;
  const s2 = BANANA_NOISE ** 2;
  const mean = x.reduce((a, v) => a + v, 0) / n;
  const spread = x.reduce((a, v) => a + (v - mean) ** 2, 0);
  // prod_j N(x_j; s, s2) = C * N(mean; s, s2 / n).
  const logC = -0.5 * n * Math.log(2 * Math.PI * s2) - spread / (2 * s2) + 0.5 * Math.log(2 * Math.PI * (s2 / n));
  const v = 1 + s2 / n;
  const step = 1e-3;
  const terms: number[] = [];
  for (let z1 = theta[0] - 10; z1 <= theta[0] + 10; z1 += step) {
    const prior = -0.5 * Math.log(2 * Math.PI) - 0.5 * (z1 - theta[0]) ** 2;
    const inner = -0.5 * Math.log(2 * Math.PI * v) - (mean - theta[1] - z1 * z1) ** 2 / (2 * v);
    terms.push(prior + inner + Math.log(step));
  }
  const m = Math.max(...terms);
  return logC + m + Math.log(terms.reduce((a, t) => a + Math.exp(t - m), 0));
}
