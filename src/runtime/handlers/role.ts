import type { Message, ParamRole } from '../messages.js';
import { Messenger } from '../stack.js';

/** Tags params created inside it as belonging to the model (theta) or the guide (phi). */
export class RoleMessenger extends Messenger {
  constructor(private readonly role: ParamRole) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type === 'param' && msg.role === undefined) msg.role = this.role;
  }
}

export function withRole<A extends unknown[], R>(fn: (...args: A) => R, role: ParamRole): (...args: A) => R {
  return (...args) => new RoleMessenger(role).run(() => fn(...args));
}
