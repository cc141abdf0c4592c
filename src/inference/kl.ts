import * as tf from '@tensorflow/tfjs';
import type { SampleSite } from '../runtime/trace.js';

/**
 * KL(q || p) between two normal laws of the same shapes, reduced like a log-prob (event dims summed,
 * scale and mask of the model site applied); undefined when the pair is not normal/normal.
 */
export function normalKL(guideSite: SampleSite, modelSite: SampleSite): tf.Tensor | undefined {
  const q = guideSite.fn;
  const p = modelSite.fn;
  if (q.name !== 'normal' || p.name !== 'normal') return undefined;
  if (!q.mean || !q.variance || !p.mean || !p.variance) return undefined;
  if (!tf.util.arraysEqual([...q.eventShape], [...p.eventShape])) return undefined;
  const [mq, vq, mp, vp] = [q.mean(), q.variance(), p.mean(), p.variance()];
  // KL = 1/2 [ log(vp / vq) + (vq + (mq - mp)^2) / vp - 1 ], elementwise.
  const elementwise = tf.mul(0.5, tf.sub(tf.add(tf.log(tf.div(vp, vq)), tf.div(tf.add(vq, tf.square(tf.sub(mq, mp))), vp)), 1));
  const eventDims = p.eventShape.length;
  const axes = Array.from({ length: eventDims }, (_, i) => elementwise.rank - 1 - i);
  let kl = eventDims > 0 ? tf.sum(elementwise, axes) : elementwise;
  if (modelSite.mask) kl = tf.where(tf.broadcastTo(modelSite.mask, kl.shape), kl, tf.zerosLike(kl));
  return modelSite.scale === 1 ? kl : tf.mul(kl, modelSite.scale);
}
