import * as tf from '@tensorflow/tfjs';
import { bernoulli } from '../../dsl/distributions/bernoulli.js';
import { categorical } from '../../dsl/distributions/categorical.js';
import type { Distribution } from '../../dsl/distributions/distribution.js';
import { real } from '../../runtime/constraints.js';
import type { Head } from './head.js';
import type { DiscreteLaw, LatentSite } from './site.js';

/**
 * Discrete latents get a Bernoulli or categorical guide with learnable logits (`auto.logits.<site>`,
 * starting uniform). They are not reparameterisable: the estimators add score-function terms.
 * Categories the model's support excludes get logit -Infinity.
 */
export function discreteHead(site: LatentSite, law: DiscreteLaw): Head {
  const categories = law.law === 'categorical' ? law.admitted.length : 0;
  const event = law.law === 'categorical' ? [...site.eventShape, categories] : [...site.eventShape];
  const eventRank = site.eventShape.length;
  const masked = (logits: tf.Tensor): tf.Tensor => {
    if (law.law !== 'categorical' || law.admitted.every(Boolean)) return logits;
    const allowed = tf.tensor1d(law.admitted.map((a) => (a ? 1 : 0)), 'bool');
    return tf.where(allowed, logits, tf.scalar(-Infinity));
  };
  const lawOf = (logits: tf.Tensor): Distribution => {
    const d = law.law === 'bernoulli' ? bernoulli({ logits }) : categorical({ logits: masked(logits) });
    return eventRank > 0 ? d.toEvent(eventRank) : d;
  };
  return {
    blocks: [{ key: 'logits', event, constraint: real, init: () => tf.zeros([...site.paramBatch, ...event]) }],
    law: (values) => lawOf(values['logits']!),
    point: (values) => {
      const logits = values['logits']!;
      if (law.law === 'bernoulli') return tf.cast(tf.greater(logits, 0), 'float32');
      return tf.cast(tf.argMax(masked(logits), logits.rank - 1), 'float32');
    },
  };
}

