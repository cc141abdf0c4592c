import { fail } from '../errors.js';
import type { Message, PlateFrame } from '../messages.js';
import { formatShape, padLeft } from '../shapes.js';
import { activeHandlers, Messenger } from '../stack.js';

/**
 * Inside a plate, sites are conditionally independent along `frame.dim`, scaled by size / subsample.
 * The handler of the `plate` primitive (src/dsl/primitives.ts), which enters it.
 */
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

/**
 * The batch dim a new plate owns: `requested` (a negative dim no enclosing plate uses), or else the
 * rightmost dim free of every enclosing plate.
 */
export function plateDim(name: string, requested: number | undefined): number {
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
