import * as tf from '@tensorflow/tfjs';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { mlp, type Activation } from '../../src/dsl/nn.js';
import { observe, sample } from '../../src/dsl/primitives.js';
import { plate } from '../../src/runtime/index.js';

export interface VaeConfig {
  readonly latent: number;
  readonly hidden: readonly number[];
  readonly activation?: Activation;
  /** Initial decoder output bias (Burda et al.: the logit of the mean training image). */
  readonly outputBias?: tf.Tensor;
}

/**
 * A VAE for binarised 784-pixel images: z ~ N(0, I), x | z ~ Bernoulli(logits = decoder(z)), and the
 * amortised guide q(z | x) = N(mu(x), sigma(x)) with both from one encoder MLP. Every site lives in
 * the data plate, so log w is per image.
 */
export function vae(config: VaeConfig) {
  const { latent, hidden } = config;
  const activation = config.activation ?? 'tanh';
  const decoder = mlp('decoder', [latent, ...hidden, 784], {
    activation,
    ...(config.outputBias ? { outputBiasInit: config.outputBias } : {}),
  });
  const encoder = mlp('encoder', [784, ...hidden, 2 * latent], { activation });

  const model = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      const z = sample('z', normal(tf.zeros([latent]), 1).toEvent(1));
      observe('x', bernoulli({ logits: decoder(z) }).toEvent(1), x);
    });
  };

  const guide = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      const h = encoder(x);
      const loc = tf.slice(h, [0, 0], [-1, latent]);
      const scale = tf.add(tf.softplus(tf.slice(h, [0, latent], [-1, latent])), 1e-4);
      sample('z', normal(loc, scale).toEvent(1));
    });
  };

  return { model, guide };
}
