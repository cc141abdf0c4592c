import * as tf from '@tensorflow/tfjs';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/**
 * Latent sites take given posterior draws (site name -> [S, ...site shape], e.g. from MCMC): the s-th
 * draw (`index`), or all S at once on the particle dim of a vectorised run (`particleRank`).
 */
export class PosteriorSamplesMessenger extends Messenger {
  constructor(
    private readonly samples: Readonly<Record<string, tf.Tensor>>,
    private readonly draw: { readonly index: number } | { readonly particleRank: number },
  ) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' || msg.observed || msg.value !== undefined) return;
    const all = this.samples[msg.name];
    if (!all) return;
    if ('index' in this.draw) {
      msg.value = tf.squeeze(tf.slice(all, [this.draw.index], [1]), [0]);
      return;
    }
    // [S, ...site shape] -> [S, 1, .., 1, ...site shape]: the particle dim left of every batch dim.
    const batchRank = all.rank - 1 - msg.fn.eventShape.length;
    const pad = Math.max(0, this.draw.particleRank - 1 - batchRank);
    msg.value = tf.reshape(all, [all.shape[0]!, ...new Array<number>(pad).fill(1), ...all.shape.slice(1)]);
  }
}
