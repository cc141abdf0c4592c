import * as tf from '@tensorflow/tfjs';
import { dist, nn, observe, param, plate, sample } from '../../src/index.js';

export interface SbnConfig {
  /** Binary latent units (Mnih & Gregor / NVIL use 200; 50 is cheaper). */
  readonly latent: number;
  /** Hidden sizes of the encoder MLP (tanh). */
  readonly encoderHidden: readonly number[];
  /** Initial decoder output bias (the logit of the mean training image). */
  readonly outputBias?: tf.Tensor;
}

/**
 * A one-layer sigmoid belief network on binarised 784-pixel images:
 *   h ~ Bernoulli(sigmoid(b)) in {0, 1}^H,  x | h ~ Bernoulli(logits = W h + c),
 * with a factorised Bernoulli guide q(h | x) whose logits come from an MLP encoder. No site is
 * reparameterisable, so the guide's gradients are score-function terms with baselines (the
 * estimators add them); C-ISIR applies only with its ISIR kernel (DISIR moves Gaussian noise).
 */
export function sigmoidBeliefNet(config: SbnConfig) {
  const { latent } = config;
  const decoder = nn.dense('decoder', latent, 784, config.outputBias ? { biasInit: config.outputBias } : {});
  const encoder = nn.mlp('encoder', [784, ...config.encoderHidden, latent]);

  const model = (x: tf.Tensor): void => {
    const priorLogits = param('prior.logits', () => tf.zeros([latent]));
    plate('data', x.shape[0]!, () => {
      const h = sample('h', dist.bernoulli({ logits: priorLogits }).toEvent(1));
      observe('x', dist.bernoulli({ logits: decoder(h) }).toEvent(1), x);
    });
  };

  const guide = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      sample('h', dist.bernoulli({ logits: encoder(x) }).toEvent(1));
    });
  };
  return { model, guide };
}
