import { fail, requireProgram } from '../errors.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/** Multiplies the log-prob of every sample site inside it by a non-negative factor. */
export class ScaleMessenger extends Messenger {
  constructor(private readonly factor: number) {
    super();
    if (!Number.isFinite(factor) || factor < 0) {
      fail('invalid-scale', `scale: the factor must be a finite number >= 0, got ${factor}`, 'scale');
    }
  }

  override process(msg: Message): void {
    if (msg.type === 'sample') msg.scale *= this.factor;
  }
}

/**
 * Scale log-probs (for example a KL annealing weight).
 *
 * @example
 * const annealed = scale(model, 0.5);
 */
export function scale<A extends unknown[], R>(fn: (...args: A) => R, factor: number): (...args: A) => R {
  requireProgram(fn, 'scale');
  return (...args) => new ScaleMessenger(factor).run(() => fn(...args));
}
