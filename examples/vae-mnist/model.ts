import * as tf from '@tensorflow/tfjs';
import { dist, nn, observe, plate, sample } from '../../src/index.js';

export interface VaeConfig {
  readonly latent: number;
  readonly hidden: readonly number[];
  readonly activation?: nn.Activation;
  /** Initial decoder output bias (Burda et al.: the logit of the mean training image). */
  readonly outputBias?: tf.Tensor;
  /**
   * The guide's covariance: 'diagonal' (default), or 'full', a lower Cholesky factor per image,
   * diag(scale) (I + strictly lower part of an encoder output), so the guide can follow correlated
   * posteriors (it starts near independence as the encoder's outputs start near 0).
   */
  readonly guideCovariance?: 'diagonal' | 'full';
}

/**
 * A VAE for binarised 784-pixel images: z ~ N(0, I), x | z ~ Bernoulli(logits = decoder(z)), and the
 * amortised guide q(z | x) = N(mu(x), sigma(x)) with both from one encoder MLP. Every site lives in
 * the data plate, so log w is per image.
 */
export function vae(config: VaeConfig) {
  const { latent, hidden } = config;
  const activation = config.activation ?? 'tanh';
  const decoder = nn.mlp('decoder', [latent, ...hidden, 784], {
    activation,
    ...(config.outputBias ? { outputBiasInit: config.outputBias } : {}),
  });
  const full = config.guideCovariance === 'full';
  const encoder = nn.mlp('encoder', [784, ...hidden, 2 * latent + (full ? latent * latent : 0)], { activation });
  // Constants of the full-covariance guide, made once.
  const strictlyLower = full ? tf.keep(tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([latent, latent]), -1, 0), tf.eye(latent)))) : undefined;
  const identity = full ? tf.keep(tf.eye(latent)) : undefined;

  const model = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      const z = sample('z', dist.normal(tf.zeros([latent]), 1).toEvent(1));
      observe('x', dist.bernoulli({ logits: decoder(z) }).toEvent(1), x);
    });
  };

  const guide = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      const h = encoder(x);
      const loc = tf.slice(h, [0, 0], [-1, latent]);
      const scale = tf.add(tf.softplus(tf.slice(h, [0, latent], [-1, latent])), 1e-4);
      if (!full) {
        sample('z', dist.normal(loc, scale).toEvent(1));
        return;
      }
      const lower = tf.reshape(tf.slice(h, [0, 2 * latent], [-1, latent * latent]), [-1, latent, latent]);
      const unitLower = tf.add(tf.mul(lower, strictlyLower!), identity!);
      sample('z', dist.multivariateNormal(loc, { scaleTril: tf.mul(tf.expandDims(scale, 2), unitLower) }));
    });
  };

  return { model, guide };
}
