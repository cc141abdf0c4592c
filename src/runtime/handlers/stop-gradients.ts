import { stopGradient } from '../detach.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/**
 * Makes latent draws inside it gradient-free (`sample`, not `rsample`): z is data to the gradient, as
 * the score-function (REINFORCE / RWS) forms need.
 */
export class DetachLatentsMessenger extends Messenger {
  override process(msg: Message): void {
    if (msg.type === 'sample' && !msg.observed) msg.detach = true;
  }
}

/** Replaces every param read inside it by a gradient-free copy (DReG's log q with phi detached). */
export class DetachParamsMessenger extends Messenger {
  override postprocess(msg: Message): void {
    if (msg.type === 'param' && msg.value) msg.value = stopGradient(msg.value);
  }
}
