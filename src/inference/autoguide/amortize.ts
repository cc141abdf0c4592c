import * as tf from '@tensorflow/tfjs';
import { biject } from '../../runtime/constraints.js';
import { fail } from '../../runtime/errors.js';
import type { PlateFrame } from '../../runtime/messages.js';
import type { Block, Head } from './head.js';
import { zeroOutputMlp } from './mlp.js';
import type { GuideRun } from './plates.js';
import { plateAxis, sizeOf, type LatentSite } from './site.js';

/**
 * Amortised local latents: instead of one set of params per datapoint, an encoder maps each
 * datapoint's features to the parameter blocks of every latent inside the plate. New datapoints then
 * get a guide without refitting, and memory does not grow with N.
 */
export interface Amortize<A extends unknown[]> {
  /**
   * The features of the datapoints in the plate's current (sub)sample, [B, F]; `indices` are the
   * plate's indices (int32 [B]) and `args` the guide's arguments.
   * @example (idx, x) => tf.gather(x, idx)
   */
  readonly input: (indices: tf.Tensor, ...args: A) => tf.Tensor;
  /** The plate whose latents are amortised (default: the one outermost plate around the latents). */
  readonly plate?: string;
  /** Hidden layer sizes of the encoder (tanh), default [64]. Its params are `auto.net.<plate>.<i>.*`. */
  readonly hidden?: readonly number[];
}

interface Slot {
  readonly site: LatentSite;
  readonly block: Block;
  readonly offset: number;
  /** Values per datapoint. */
  readonly size: number;
}

/** The encoder of one plate and where each site's blocks sit in its output. */
export class Amortizer {
  readonly #slots = new Map<string, Slot>();
  readonly #bias: Float32Array;
  readonly #hidden: readonly number[];
  #features: number | undefined;

  constructor(
    private readonly prefix: string,
    readonly plate: PlateFrame,
    sites: ReadonlyArray<{ readonly site: LatentSite; readonly head: Head }>,
    private readonly input: (indices: tf.Tensor, ...args: unknown[]) => tf.Tensor,
    hidden: readonly number[] = [64],
  ) {
    this.#hidden = hidden;
    let offset = 0;
    const biases: Float32Array[] = [];
    for (const { site, head } of sites) {
      checkAmortisable(site, plate);
      for (const block of head.blocks) {
        const size = sizeOf(site.paramBatch.slice(1)) * sizeOf(block.event);
        this.#slots.set(`${site.name}/${block.key}`, { site, block, offset, size });
        offset += size;
        biases.push(initialBias(block));
      }
    }
    this.#bias = new Float32Array(offset);
    let at = 0;
    for (const b of biases) {
      this.#bias.set(b, at);
      at += b.length;
    }
  }

  /** The block's value for the current subsample, [B, ...batch after the plate, ...event]. */
  value(run: GuideRun, site: LatentSite, block: Block): tf.Tensor {
    const slot = this.#slots.get(`${site.name}/${block.key}`)!;
    const out = run.memo(`amortize/${this.plate.name}`, () => this.#encode(run));
    const b = out.shape[0]!;
    const raw = tf.slice(out, [0, slot.offset], [b, slot.size]);
    const shaped = tf.reshape(raw, [b, ...site.paramBatch.slice(1), ...block.event]);
    return biject(block.constraint, 'autoGuide').forward(shaped);
  }

  #encode(run: GuideRun): tf.Tensor {
    const indices = run.indices(this.plate.name)!;
    const features = this.input(indices, ...run.args);
    const b = indices.shape[0]!;
    if (!(features instanceof tf.Tensor) || features.rank !== 2 || features.shape[0] !== b) {
      const shape = features instanceof tf.Tensor ? `[${features.shape.join(', ')}]` : typeof features;
      fail(
        'shape-mismatch',
        `autoGuide amortize.input: expected features of shape [${b}, F] for the ${b} datapoints of plate ` +
          `'${this.plate.name}', got ${shape}`,
        'amortize.input',
      );
    }
    const f = features.shape[1]!;
    if (this.#features !== undefined && this.#features !== f) {
      fail('shape-mismatch', `autoGuide amortize.input: features changed from ${this.#features} to ${f} per datapoint`, 'amortize.input');
    }
    this.#features = f;
    const net = zeroOutputMlp(`${this.prefix}.net.${this.plate.name}`, [f, ...this.#hidden, this.#bias.length], this.#bias);
    return net(features.dtype === 'float32' ? features : tf.cast(features, 'float32'));
  }
}

/** The encoder's initial output for a block: the mean over datapoints of its initial value, unconstrained. */
function initialBias(block: Block): Float32Array {
  return tf.tidy(() => {
    const unconstrained = block.constraint.transform!.inverse(block.init());
    return Float32Array.from(tf.mean(unconstrained, 0).dataSync());
  });
}

function checkAmortisable(site: LatentSite, plate: PlateFrame): void {
  if (plateAxis(site, plate) !== 0) {
    fail(
      'unsupported-model',
      `autoGuide amortize: plate '${plate.name}' must be the leftmost batch dim of site '${site.name}' ` +
        `(its batch shape is [${site.batchShape.join(', ')}], the plate's dim is ${plate.dim})`,
      site.name,
    );
  }
  const inner = site.plates.find((p) => p.name !== plate.name && p.subsampleSize < p.size);
  if (inner) {
    fail(
      'unsupported-model',
      `autoGuide amortize: site '${site.name}' is also in plate '${inner.name}', which subsamples; only the amortised plate may subsample`,
      site.name,
    );
  }
}
