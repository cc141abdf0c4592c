import { requireProgram } from '../errors.js';
import type * as tf from '@tensorflow/tfjs';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/** Fixes the values of named sample sites and params (without marking samples as observed). */
export class SubstituteMessenger extends Messenger {
  constructor(private readonly values: Readonly<Record<string, tf.Tensor>>) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' && msg.type !== 'param') return;
    const value = this.values[msg.name];
    if (value === undefined || msg.value !== undefined) return; // innermost supplier wins
    msg.value = value;
  }
}

/**
 * Run `fn` with the named sample sites and params fixed to `values`.
 *
 * @example
 * const atMode = substitute(model, { mu: tf.scalar(0) });
 */
export function substitute<A extends unknown[], R>(
  fn: (...args: A) => R,
  values: Readonly<Record<string, tf.Tensor>>,
): (...args: A) => R {
  requireProgram(fn, 'substitute');
  return (...args) => new SubstituteMessenger(values).run(() => fn(...args));
}
