import * as tf from '@tensorflow/tfjs';
import { plate } from '../../dsl/primitives.js';
import type { PlateFrame } from '../../runtime/messages.js';
import { gather as gatherAlong } from '../../dsl/math/gather.js';
import { plateAxis, type LatentSite } from './site.js';

/**
 * The guide re-opens the model's plates around each site (same names, sizes, subsample sizes and
 * dims), so its log q carries the same plates, subsample scaling and per-datapoint axis as the model,
 * and the model replays the guide's subsample indices.
 */

/** State of one guide run: the subsample drawn by each plate, shared by every site inside it. */
export class GuideRun {
  readonly #indices = new Map<string, tf.Tensor>();
  readonly #memo = new Map<string, unknown>();

  constructor(readonly args: readonly unknown[]) {}

  /** The indices the plate drew in this run (all of 0..N-1 when it does not subsample). */
  indices(plateName: string): tf.Tensor | undefined {
    return this.#indices.get(plateName);
  }

  /** A value computed once per run (an encoder's output shared by the sites of a plate). */
  memo<T>(key: string, make: () => T): T {
    if (!this.#memo.has(key)) this.#memo.set(key, make());
    return this.#memo.get(key) as T;
  }

  /** Run `body` inside `plates` (outermost first). */
  within<T>(plates: readonly PlateFrame[], body: () => T): T {
    const [outer, ...rest] = plates;
    if (!outer) return body();
    const subsampled = outer.subsampleSize < outer.size;
    // The first site in a plate draws its subsample; later ones reuse it (also outside a trace handler).
    const subsample = subsampled ? (this.#indices.get(outer.name) ?? outer.subsampleSize) : undefined;
    return plate(
      outer.name,
      outer.size,
      (idx) => {
        this.#indices.set(outer.name, idx);
        return this.within(rest, body);
      },
      subsample === undefined ? { dim: outer.dim } : { dim: outer.dim, subsample },
    );
  }

  /**
   * A per-datapoint param ([...paramBatch, ...rest]) restricted to the current subsample of each
   * subsampling plate of `site`. Call inside `within(site.plates, ...)`.
   */
  gather(site: LatentSite, full: tf.Tensor): tf.Tensor {
    let out = full;
    for (const p of site.plates) {
      if (p.subsampleSize === p.size) continue;
      out = gatherAlong(out, this.#indices.get(p.name)!, plateAxis(site, p));
    }
    return out;
  }
}
