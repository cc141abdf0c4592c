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

/** Noise sd of the generated points around the curve. */
export const FIGURE_EIGHT_NOISE = 0.05;

/**
 * Points on the lemniscate of Gerono x = (sin t, sin t cos t) = (sin t, sin(2t) / 2), t ~ U(0, 2 pi),
 * scaled by 2 and with N(0, 0.05^2 I) noise: a figure eight in [-2, 2] x [-1, 1]. Row-major [n, 2].
 */
export function figureEightPoints(count: number, stream: Stream): Float32Array {
  const out = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const t = 2 * Math.PI * stream.uniform();
    out[2 * i] = 2 * Math.sin(t) + FIGURE_EIGHT_NOISE * stream.normal();
    out[2 * i + 1] = Math.sin(2 * t) + FIGURE_EIGHT_NOISE * stream.normal();
  }
  return out;
}
