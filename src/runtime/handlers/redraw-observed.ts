import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/** Observed sites get a fresh draw from their law instead of the data: predictions of the data. */
export class RedrawObservedMessenger extends Messenger {
  override process(msg: Message): void {
    if (msg.type !== 'sample' || msg.kind !== 'observed') return;
    msg.value = undefined;
    msg.observed = false;
    msg.kind = 'latent';
    msg.detach = true;
  }
}
