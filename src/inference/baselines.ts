import * as tf from '@tensorflow/tfjs';
import { produce } from 'immer';
import { stopGradient } from '../runtime/detach.js';

/**
 * Baselines for score-function terms. With K > 1 particles each particle's signal is centred by the
 * mean of the other particles' signals (leave-one-out: independent of that particle, so unbiased);
 * with one particle by a per-site running average of past signals.
 */
export class Baselines {
  /** Running averages by site: plain data, updated immutably so snapshots can be kept cheaply. */
  averages: Readonly<Record<string, number>> = {};

  constructor(private readonly decay = 0.9) {}

  /** signal - baseline, detached. `signal` is [K, ...] with particles on axis 0. */
  centred(site: string, signal: tf.Tensor): tf.Tensor {
    const k = signal.shape[0]!;
    const detached = stopGradient(signal);
    if (k > 1) {
      const others = tf.div(tf.sub(tf.sum(detached, 0, true), detached), k - 1);
      return tf.sub(detached, others);
    }
    const previous = this.averages[site];
    const mean = tf.mean(detached).dataSync()[0]!;
    this.averages = produce(this.averages, (draft) => {
      draft[site] = previous === undefined || !Number.isFinite(previous) ? mean : this.decay * previous + (1 - this.decay) * mean;
    });
    return previous === undefined ? tf.zerosLike(detached) : tf.sub(detached, previous);
  }
}
