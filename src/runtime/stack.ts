import { fail } from './errors.js';
import type { Message } from './messages.js';

/**
 * The handler stack. A primitive builds a message and calls `apply`: handlers process it innermost
 * first (a handler may set `stop` to hide it from outer ones), then the default action runs if no
 * handler supplied a value, then the handlers that saw it post-process it outermost first.
 */
export abstract class Messenger {
  process(_msg: Message): void {}
  postprocess(_msg: Message): void {}

  /** Called when the handler becomes active; subclasses that override must call super. */
  enter(): void {
    stack.push(this);
  }

  exit(): void {
    const i = stack.lastIndexOf(this);
    if (i >= 0) stack.splice(i, 1);
  }

  /** Run `thunk` with this handler active; the stack unwinds also when `thunk` throws. */
  run<T>(thunk: () => T): T {
    this.enter();
    try {
      return ensureSync(thunk());
    } finally {
      this.exit();
    }
  }
}

const stack: Messenger[] = [];

type DefaultAction = (msg: Message) => void;
let defaultAction: DefaultAction = () => {};

/** Installed once by runtime/default-action.ts (kept separate so this file has one job). */
export function setDefaultAction(action: DefaultAction): void {
  defaultAction = action;
}

export function apply<M extends Message>(msg: M): M {
  let visited = 0;
  for (let i = stack.length - 1; i >= 0; i--) {
    stack[i]!.process(msg);
    visited++;
    if (msg.stop) break;
  }
  defaultAction(msg);
  for (let i = stack.length - visited; i < stack.length; i++) stack[i]!.postprocess(msg);
  return msg;
}

/** The active handlers, outermost first (read-only view for handlers that inspect their context). */
export function activeHandlers(): readonly Messenger[] {
  return stack;
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Models and guides must be synchronous: a Promise result means sites ran outside the handlers. */
export function ensureSync<T>(result: T): T {
  if (isThenable(result)) {
    fail(
      'async-model',
      'a model or guide returned a Promise: programs must be synchronous functions, because handlers ' +
        'are active only while the program runs; remove `async` and load data before running it',
    );
  }
  return result;
}
