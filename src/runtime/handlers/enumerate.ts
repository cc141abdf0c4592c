import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import type { Message } from '../messages.js';
import { formatShape } from '../shapes.js';
import { activeHandlers, Messenger } from '../stack.js';

/**
 * Parallel enumeration (as Pyro's): a latent marked `{ enumerate: true }` takes its whole support at
 * once, laid out along a fresh batch dim left of every plate and particle dim, so sites downstream of it
 * broadcast over that dim and their log-probs carry it. The estimators then sum it out
 * (src/inference/enumeration.ts). The first site gets `firstDim`, the next `firstDim - 1`, and so on.
 *
 * A marked site's batch dims may only be plates' dims, the particle dim (`firstDim + 1`) or earlier
 * enumerated dims: a free batch dim of size n would share one enumerated dim among n independent
 * values, and summing over it would count only the assignments where they are all equal.
 */
export class EnumerateMessenger extends Messenger {
  /** Enumerated dims of the current run and their support sizes. */
  readonly #sizes = new Map<number, number>();

  constructor(readonly firstDim: number) {
    super();
    if (!Number.isInteger(firstDim) || firstDim >= -1) {
      fail('invalid-argument', `enumerate: the first enumerated dim must be a negative integer below -1, got ${firstDim}`, 'enumerate');
    }
  }

  /** The dims enumerated so far in this run, with their sizes. */
  get sizes(): ReadonlyMap<number, number> {
    return this.#sizes;
  }

  override enter(): void {
    this.#sizes.clear();
    super.enter();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' || !msg.enumerate || msg.observed || msg.value !== undefined) return;
    const fn = msg.fn;
    if (typeof fn.enumerateSupport !== 'function') {
      fail(
        'unsupported-model',
        `site '${msg.name}': { enumerate: true } needs a distribution with a finite support it can list ` +
          `(categorical, bernoulli), but ${fn.name} has none; remove the mark and sample the site in the guide`,
        msg.name,
      );
    }
    if (fn.eventShape.length > 0) {
      fail(
        'unsupported-model',
        `site '${msg.name}': { enumerate: true } sums out scalar values only, but ${fn.name} has event shape ` +
          `${formatShape(fn.eventShape)}; declare the independent dims with a plate instead of .toEvent(n)`,
        msg.name,
      );
    }
    if (msg.mask !== undefined) {
      fail(
        'unsupported-model',
        `site '${msg.name}': an enumerated site cannot be masked (its masked log-prob 0 would weigh every value ` +
          'alike instead of removing the datapoint); mask the observations that depend on it instead',
        msg.name,
      );
    }
    const own = new Set<number>([this.firstDim + 1, ...msg.plates.map((p) => p.dim), ...this.#sizes.keys()]);
    const batch = fn.batchShape;
    batch.forEach((size, i) => {
      const dim = i - batch.length;
      if (size !== 1 && !own.has(dim)) {
        fail(
          'unsupported-model',
          `site '${msg.name}': an enumerated site's batch dims must belong to plates, but its batch shape ` +
            `${formatShape(batch)} has size ${size} at dim ${dim}, which no enclosing plate owns; put the site ` +
            'in a plate over that dim, or make it a loop of separately named sites',
          msg.name,
        );
      }
    });
    const dim = this.firstDim - this.#sizes.size;
    const value = tf.tidy(() => {
      const support = fn.enumerateSupport!();
      return tf.reshape(support, [support.size, ...new Array<number>(-dim - 1).fill(1)]);
    });
    const n = value.shape[0]!;
    msg.value = value;
    msg.enumDim = dim;
    msg.reparameterized = false;
    this.#sizes.set(dim, n);
  }
}

/** The dims the active enumerate handler has laid out so far (none outside one). */
export function enumeratedDims(): ReadonlyMap<number, number> {
  const handlers = activeHandlers();
  for (let i = handlers.length - 1; i >= 0; i--) {
    const h = handlers[i];
    if (h instanceof EnumerateMessenger) return h.sizes;
  }
  return new Map();
}
