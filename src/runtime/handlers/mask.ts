import * as tf from '@tensorflow/tfjs';
import { fail, requireProgram } from '../errors.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/** Zeroes the log-prob of masked-out batch elements of every sample site inside it. */
export class MaskMessenger extends Messenger {
  constructor(private readonly mask: tf.Tensor | boolean) {
    super();
    if (typeof mask !== 'boolean' && mask.dtype !== 'bool') {
      fail('invalid-argument', `mask: expected a boolean or a bool tensor, got a ${mask.dtype} tensor`, 'mask');
    }
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample') return;
    const mask = typeof this.mask === 'boolean' ? tf.scalar(this.mask, 'bool') : this.mask;
    msg.mask = msg.mask ? tf.logicalAnd(msg.mask, mask) : mask;
  }
}

/**
 * Mask out log-prob terms (true keeps, false drops).
 *
 * @example
 * const partial = mask(model, observedFlags); // observedFlags: bool tensor over the data plate
 */
export function mask<A extends unknown[], R>(fn: (...args: A) => R, m: tf.Tensor | boolean): (...args: A) => R {
  requireProgram(fn, 'mask');
  return (...args) => new MaskMessenger(m).run(() => fn(...args));
}
