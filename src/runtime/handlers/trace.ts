import { requireProgram } from '../errors.js';
import * as tf from '@tensorflow/tfjs';
import type { Message, SampleMessage } from '../messages.js';
import { Messenger } from '../stack.js';
import { Trace } from '../trace.js';

function scaledMaskedLogProb(msg: SampleMessage, value: tf.Tensor): tf.Tensor {
  let lp = msg.fn.logProb(value);
  if (msg.mask) {
    const mask = tf.broadcastTo(msg.mask, lp.shape);
    lp = tf.where(mask, lp, tf.zerosLike(lp));
  }
  if (msg.scale !== 1) lp = tf.mul(lp, msg.scale);
  return lp;
}

/** Records every site that reaches it, with log-probs. */
export class TraceMessenger extends Messenger {
  trace = new Trace();

  override enter(): void {
    this.trace = new Trace();
    super.enter();
  }

  override process(msg: Message): void {
    // A plate entered twice in one run reuses its first subsample.
    if (msg.type === 'plate' && msg.value === undefined) {
      const seen = this.trace.get(msg.name);
      if (seen?.type === 'plate' && seen.size === msg.size && seen.subsampleSize === msg.subsampleSize) {
        msg.value = seen.value;
      }
    }
  }

  override postprocess(msg: Message): void {
    switch (msg.type) {
      case 'sample': {
        const value = msg.value!;
        this.trace.add({
          type: 'sample',
          name: msg.name,
          fn: msg.fn,
          value,
          logProb: scaledMaskedLogProb(msg, value),
          observed: msg.observed,
          kind: msg.kind,
          plates: [...msg.plates],
          scale: msg.scale,
          mask: msg.mask,
          reparameterized: msg.reparameterized,
          ...(msg.auxiliary ? { auxiliary: true } : {}),
          ...(msg.enumerate ? { enumerate: true } : {}),
          ...(msg.enumDim !== undefined ? { enumDim: msg.enumDim } : {}),
        });
        return;
      }
      case 'param':
        this.trace.add({ type: 'param', name: msg.name, value: msg.value!, role: msg.role });
        return;
      case 'plate':
        this.trace.add({
          type: 'plate',
          name: msg.name,
          size: msg.size,
          subsampleSize: msg.subsampleSize,
          value: msg.value!,
        });
        return;
      case 'deterministic':
        this.trace.add({ type: 'deterministic', name: msg.name, value: msg.value, plates: [...msg.plates] });
        return;
    }
  }
}

export interface TracedProgram<A extends unknown[], R> {
  (...args: A): R;
  /** Run the program and return the record of its sites (`trace.returnValue` holds its result). */
  getTrace(...args: A): Trace;
}

/**
 * Record a program's sites.
 *
 * @example
 * const tr = trace(model).getTrace(data);
 * tr.sample('z').logProb.print();
 */
export function trace<A extends unknown[], R>(fn: (...args: A) => R): TracedProgram<A, R> {
  requireProgram(fn, 'trace');
  const traced = (...args: A): R => new TraceMessenger().run(() => fn(...args));
  return Object.assign(traced, {
    getTrace(...args: A): Trace {
      const messenger = new TraceMessenger();
      const result = messenger.run(() => fn(...args));
      messenger.trace.returnValue = result;
      return messenger.trace;
    },
  });
}
