import { requireProgram } from '../errors.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';
import type { Trace } from '../trace.js';

/** Reuses a trace's values: latent sample sites take the recorded value, plates the recorded indices. */
export class ReplayMessenger extends Messenger {
  constructor(private readonly source: Trace) {
    super();
  }

  override process(msg: Message): void {
    // The innermost handler that supplies a value wins; values given by the program win over all.
    if (msg.value !== undefined) return;
    const site = this.source.get(msg.name);
    if (!site) return;
    if (msg.type === 'sample' && site.type === 'sample' && !msg.observed) {
      msg.value = site.value;
      msg.reparameterized = site.reparameterized;
    } else if (msg.type === 'plate' && site.type === 'plate') {
      msg.value = site.value;
    }
  }
}

/**
 * Run `fn` with latent sites set to the values in `source` (typically a guide's trace).
 *
 * @example
 * const guideTrace = trace(guide).getTrace(x);
 * const modelTrace = trace(replay(model, guideTrace)).getTrace(x);
 */
export function replay<A extends unknown[], R>(fn: (...args: A) => R, source: Trace): (...args: A) => R {
  requireProgram(fn, 'replay');
  return (...args) => new ReplayMessenger(source).run(() => fn(...args));
}
