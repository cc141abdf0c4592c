import * as tf from '@tensorflow/tfjs';
import { fail, kindOf, requireProgram } from '../errors.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/** Observes the named sites at the given values. */
export class ConditionMessenger extends Messenger {
  readonly visited = new Set<string>();

  constructor(private readonly data: Readonly<Record<string, tf.Tensor>>) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample') return;
    const value = this.data[msg.name];
    if (value === undefined) return;
    this.visited.add(msg.name);
    if (msg.value !== undefined) return; // an inner handler or the program already gave the value
    msg.value = value;
    msg.observed = true;
    msg.kind = 'observed';
    msg.reparameterized = false;
  }

  /** Every conditioned name must be a site of the program: a typo would otherwise be silently ignored. */
  checkAllVisited(): void {
    const missing = Object.keys(this.data).filter((name) => !this.visited.has(name));
    if (missing.length > 0) {
      fail(
        'unvisited-observation',
        `condition: the program never visited site(s) ${missing.map((m) => `'${m}'`).join(', ')}; ` +
          `check the names against the model's sample sites`,
        missing[0],
      );
    }
  }
}

/**
 * Observe sites at given values.
 *
 * @example
 * const conditioned = condition(model, { x: tf.tensor1d([0.3, 1.2]) });
 */
export function condition<A extends unknown[], R>(
  fn: (...args: A) => R,
  data: Readonly<Record<string, tf.Tensor>>,
): (...args: A) => R {
  requireProgram(fn, 'condition');
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof tf.Tensor) {
    fail('invalid-argument', `condition: the data must be a record of observed values by site name, e.g. { x: tf.tensor1d([0.3, 1.2]) }, got ${kindOf(data)}`);
  }
  return (...args) => {
    const messenger = new ConditionMessenger(data);
    const result = messenger.run(() => fn(...args));
    messenger.checkAllVisited();
    return result;
  };
}
