import * as tf from '@tensorflow/tfjs';
import { dist, nn, observe, param, plate, sample } from '../../src/index.js';

/**
 * The Gaussian mixture of model.ppl in TypeScript (the same sites, params and net): c ~ Categorical(logits = mixing),
 * x | c ~ N(locs[c], scale^2 I) in 2-D, with an amortised categorical guide q(c | x) = Cat(logits = assign(x)).
 * With `{ enumerate: true }` it is enumerated.ppl instead: c is summed out (docs/enumeration.md) and the guide
 * is empty, so every estimator's log weight is the exact log p(x_i) and the fit is maximum likelihood.
 */
export function gaussianMixture(components = 3, options: { readonly enumerate?: boolean } = {}) {
  if (options.enumerate) return enumeratedMixture(components);
  const assign = nn.mlp('assign', [2, 16, components]);
  const model = (x: tf.Tensor): void => {
    const mixing = param('mixing', tf.zeros([components]));
    const locs = param('locs', tf.tensor2d([[-2, 0], [0, 2], [2, 0]].slice(0, components)));
    const scale = param('scale', tf.fill([], 1), { constraint: 'positive' });
    plate('data', x.shape[0]!, () => {
      const c = sample('c', dist.categorical({ logits: mixing }));
      // locs[c] as a one-hot product: tf.gather's gradient has no kernel on the wasm backend.
      const chosen = tf.sum(tf.mul(tf.expandDims(tf.oneHot(tf.cast(c, 'int32'), components), -1), locs), -2);
      observe('x', dist.normal(chosen, scale).toEvent(1), x);
    });
  };
  const guide = (x: tf.Tensor): void => {
    plate('data', x.shape[0]!, () => {
      sample('c', dist.categorical({ logits: assign(x) }));
    });
  };
  return { model, guide };
}

function enumeratedMixture(components: number) {
  const model = (x: tf.Tensor): void => {
    const mixing = param('mixing', tf.zeros([components]));
    const locs = param('locs', tf.tensor2d([[-2, 0], [0, 2], [2, 0]].slice(0, components)));
    const scale = param('scale', tf.fill([], 1), { constraint: 'positive' });
    plate('data', x.shape[0]!, () => {
      // c holds every component at once, on a dim left of the data: locs[c] and x's log-prob broadcast over it.
      const c = sample('c', dist.categorical({ logits: mixing }), { enumerate: true });
      const chosen = tf.sum(tf.mul(tf.expandDims(tf.oneHot(tf.cast(c, 'int32'), components), -1), locs), -2);
      observe('x', dist.normal(chosen, scale).toEvent(1), x);
    });
  };
  const guide = (_x: tf.Tensor): void => {};
  return { model, guide };
}
