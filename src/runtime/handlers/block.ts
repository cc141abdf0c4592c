import { requireProgram } from '../errors.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

export type BlockSpec =
  | { readonly hide: readonly string[] }
  | { readonly expose: readonly string[] }
  | { readonly hideFn: (msg: Message) => boolean };

/** Hides messages from the handlers outside it (they still get their default action). */
export class BlockMessenger extends Messenger {
  constructor(private readonly spec: BlockSpec = { hideFn: () => true }) {
    super();
  }

  override process(msg: Message): void {
    if (this.hides(msg)) msg.stop = true;
  }

  private hides(msg: Message): boolean {
    if ('hide' in this.spec) return this.spec.hide.includes(msg.name);
    if ('expose' in this.spec) return !this.spec.expose.includes(msg.name);
    return this.spec.hideFn(msg);
  }
}

/**
 * Hide sites from outer handlers: all of them by default, or `{ hide: [...] }` / `{ expose: [...] }`.
 *
 * @example
 * const tr = trace(block(model, { hide: ['z'] })).getTrace(); // no site 'z' in tr
 */
export function block<A extends unknown[], R>(fn: (...args: A) => R, spec?: BlockSpec): (...args: A) => R {
  requireProgram(fn, 'block');
  return (...args) => new BlockMessenger(spec).run(() => fn(...args));
}
