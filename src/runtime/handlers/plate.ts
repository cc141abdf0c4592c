import * as tf from '@tensorflow/tfjs';
import { fail, kindOf } from '../errors.js';
import type { Message, PlateFrame, PlateMessage } from '../messages.js';
import { formatShape, padLeft } from '../shapes.js';
import { activeHandlers, apply, Messenger } from '../stack.js';

/** Inside a plate, sites are conditionally independent along `frame.dim`, scaled by size / subsample. */
export class PlateMessenger extends Messenger {
  constructor(readonly frame: PlateFrame) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type === 'deterministic') {
      msg.plates.push(this.frame);
      return;
    }
    if (msg.type !== 'sample') return;
    const { name, subsampleSize, size, dim } = this.frame;
    msg.plates.push(this.frame);
    const batch = msg.fn.batchShape;
    const rank = Math.max(batch.length, -dim);
    const target = padLeft(batch, rank);
    const at = rank + dim;
    if (target[at] !== 1 && target[at] !== subsampleSize) {
      fail(
        'shape-mismatch',
        `site '${msg.name}' in plate '${name}': its batch shape ${formatShape(batch)} has size ${target[at]} ` +
          `at the plate's dim ${dim}, but the plate has size ${subsampleSize}; make that dim ${subsampleSize} ` +
          `(or 1), or move the extra dims into the event with .toEvent(n)`,
        msg.name,
      );
    }
    if (target[at] !== subsampleSize || target.length !== batch.length) {
      target[at] = subsampleSize;
      msg.fn = msg.fn.expand(target);
    }
    if (subsampleSize !== size) msg.scale *= size / subsampleSize;
  }
}

export interface PlateOptions {
  /** Subsample size B (indices drawn uniformly without replacement), or the int32 indices themselves. */
  readonly subsample?: number | tf.Tensor;
  /** The batch dim this plate owns (negative, counted from the right); default: the rightmost free one. */
  readonly dim?: number;
}

function checkedSize(name: string, size: number): number {
  if (!Number.isInteger(size) || size < 1) {
    fail('invalid-argument', `plate '${name}': size must be a positive integer, got ${size}`, name);
  }
  return size;
}

function subsampleOf(name: string, size: number, subsample: PlateOptions['subsample']): [number, tf.Tensor | undefined] {
  if (subsample === undefined) return [size, undefined];
  if (typeof subsample === 'number') {
    if (!Number.isInteger(subsample) || subsample < 1 || subsample > size) {
      fail('invalid-argument', `plate '${name}': subsample must be an integer in 1..${size}, got ${subsample}`, name);
    }
    return [subsample, undefined];
  }
  if (subsample.rank !== 1 || subsample.dtype !== 'int32') {
    fail(
      'invalid-argument',
      `plate '${name}': subsample indices must be a 1-D int32 tensor, got ${subsample.dtype} ${formatShape(subsample.shape)}`,
      name,
    );
  }
  return [subsample.shape[0]!, subsample];
}

function allocateDim(name: string, requested: number | undefined): number {
  const used = new Set(
    activeHandlers()
      .filter((h): h is PlateMessenger => h instanceof PlateMessenger)
      .map((h) => h.frame.dim),
  );
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested >= 0) {
      fail('invalid-argument', `plate '${name}': dim must be a negative integer, got ${requested}`, name);
    }
    if (used.has(requested)) {
      fail('invalid-argument', `plate '${name}': dim ${requested} is already used by an enclosing plate`, name);
    }
    return requested;
  }
  let dim = -1;
  while (used.has(dim)) dim--;
  return dim;
}

/**
 * Declare conditional independence over `size` items. `body` receives the (subsample) indices; sites
 * inside get a batch dim of the subsample size at the plate's dim, and their log-probs are scaled by
 * size / subsample size so minibatch estimates are unbiased for the full data.
 *
 * @example
 * plate('data', N, (idx) => {
 *   const xb = tf.gather(x, idx);
 *   observe('x', normal(mu, 1), xb);
 * }, { subsample: 32 });
 */
export function plate<T>(name: string, size: number, body: (indices: tf.Tensor) => T, options: PlateOptions = {}): T {
  checkedSize(name, size);
  if (typeof body !== 'function') {
    fail('invalid-argument', `plate '${name}': the third argument must be the body, a function of the indices (plate(name, size, (i) => ..., { subsample })), got ${kindOf(body)}`, name);
  }
  const [subsampleSize, given] = subsampleOf(name, size, options.subsample);
  const msg: PlateMessage = apply<PlateMessage>({
    type: 'plate',
    name,
    size,
    subsampleSize,
    value: given,
    stop: false,
  });
  const dim = allocateDim(name, options.dim);
  const indices = msg.value!;
  return new PlateMessenger({ name, size, subsampleSize, dim }).run(() => body(indices));
}
