import * as tf from '@tensorflow/tfjs';
import { dist, nn, observe, param, plate, sample, Stream } from '../../src/index.js';

/**
 * Shi & Cornish sec. 7.2: a 1-d latent VAE for a 2-d figure-eight density.
 *   z ~ N(0, 1),  x | z ~ N(decoder(z), diag(v)),  v a learned constant variance (init 0.02),
 *   q(z | x) = N(mu(x), sigma(x)); encoder and decoder MLPs with 3 hidden layers of 50 leaky-ReLU units.
 */
export function figureEightVae(options: { readonly hidden?: readonly number[] } = {}) {
  const hidden = options.hidden ?? [50, 50, 50];
  const decoder = nn.mlp('decoder', [1, ...hidden, 2], { activation: 'leakyRelu' });
  const encoder = nn.mlp('encoder', [2, ...hidden, 2], { activation: 'leakyRelu' });

  const model = (x: tf.Tensor): void => {
    const variance = param('decoder.variance', () => tf.fill([2], 0.02), { constraint: 'positive' });
    plate('data', x.shape[0]!, () => {
      const z = sample('z', dist.normal(tf.zeros([1]), 1).toEvent(1));
      observe('x', dist.normal(decoder(z), tf.sqrt(variance)).toEvent(1), x);
    });
  };

  const guide = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      const h = encoder(x);
      const [loc, raw] = tf.split(h, 2, -1) as [tf.Tensor, tf.Tensor];
      sample('z', dist.normal(loc, tf.add(tf.softplus(raw), 1e-4)).toEvent(1));
    });
  };
  return { model, guide };
}

/** Noise variance of the generated points around the curve (Shi & Cornish's data). */
export const FIGURE_EIGHT_NOISE_VARIANCE = 0.02;

/**
 * Shi & Cornish's figure-eight data (their published generator, MLMC_Gradients'
 * ml_ll/datasets/figure_8.py): u = pi (0.6 + 1.8 Phi(e)) with e ~ N(0, 1), a point on the lemniscate of
 * Bernoulli (sqrt(2)/2 cos u, sqrt(2) cos u sin u) / (sin^2 u + 1), plus N(0, 0.02 I) noise. Phi(e) is
 * uniform on (0, 1), so u is drawn as pi (0.6 + 1.8 U): the same distribution, one draw fewer to transform.
 * Row-major [n, 2], in [-0.71, 0.71] x [-0.5, 0.5] before the noise.
 */
export function figureEightPoints(count: number, stream: Stream): Float32Array {
  const out = new Float32Array(count * 2);
  const noise = Math.sqrt(FIGURE_EIGHT_NOISE_VARIANCE);
  for (let i = 0; i < count; i++) {
    const u = Math.PI * (0.6 + 1.8 * stream.uniform());
    const sin = Math.sin(u);
    const cos = Math.cos(u);
    const d = sin * sin + 1;
    out[2 * i] = ((Math.SQRT2 / 2) * cos) / d + noise * stream.normal();
    out[2 * i + 1] = (Math.SQRT2 * cos * sin) / d + noise * stream.normal();
  }
  return out;
}
