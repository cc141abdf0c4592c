import type * as tf from '@tensorflow/tfjs';
import type { Constraint } from './constraints.js';
import type { RandomSource } from './rng.js';

/**
 * What the runtime needs of a distribution: it moves messages and never does a distribution's maths,
 * so it sees only this structural view (src/dsl's `Distribution` satisfies it).
 */
export interface SiteDistribution {
  readonly name: string;
  readonly batchShape: readonly number[];
  readonly eventShape: readonly number[];
  readonly hasRsample: boolean;
  readonly support: Constraint;
  sample(rng?: RandomSource): tf.Tensor;
  rsample(rng?: RandomSource): tf.Tensor;
  logProb(value: tf.Tensor): tf.Tensor;
  expand(batchShape: readonly number[]): SiteDistribution;
  /** Moments, where known in closed form (closed-form KL terms use them). */
  mean?(): tf.Tensor;
  variance?(): tf.Tensor;
  /** Every value of a finite support, as a 1-D tensor (scalar events only): what enumeration sums over. */
  enumerateSupport?(): tf.Tensor;
}

/** One enclosing plate as seen by a site: `dim` counts from the right of the batch shape (-1, -2, ...). */
export interface PlateFrame {
  readonly name: string;
  readonly size: number;
  readonly subsampleSize: number;
  readonly dim: number;
}

/** Which program a param belongs to: the model's theta or the guide's phi. */
export type ParamRole = 'model' | 'guide';

interface MessageBase {
  readonly name: string;
  /** Set by a handler to keep outer handlers from seeing this message. */
  stop: boolean;
}

export interface SampleMessage extends MessageBase {
  readonly type: 'sample';
  fn: SiteDistribution;
  value: tf.Tensor | undefined;
  observed: boolean;
  plates: PlateFrame[];
  /** Multiplies the log-prob: plate subsampling (N/B) and the `scale` handler. */
  scale: number;
  /** Boolean tensor broadcastable to the batch shape: masked-out elements contribute 0 log-prob. */
  mask: tf.Tensor | undefined;
  /** True when the default action drew the value with `rsample`. */
  reparameterized: boolean;
  /** Set by a handler: draw with `sample` (no gradient path) even if `rsample` exists. */
  detach: boolean;
  /** Kind of site for the trace ('factor' sites are observed sites carrying a log weight). */
  kind: 'latent' | 'observed' | 'factor';
  /** A guide's auxiliary draw with no model site of its name (e.g. a joint guide's vector). */
  auxiliary?: boolean;
  /** The program asks for this latent to be summed out (`sample(name, d, { enumerate: true })`). */
  enumerate?: boolean;
  /** Set by the enumerate handler: the batch dim along which the value lays out the support. */
  enumDim?: number;
}

export interface ParamMessage extends MessageBase {
  readonly type: 'param';
  readonly init: tf.Tensor | number | (() => tf.Tensor) | undefined;
  readonly constraint: Constraint;
  value: tf.Tensor | undefined;
  role: ParamRole | undefined;
}

export interface PlateMessage extends MessageBase {
  readonly type: 'plate';
  readonly size: number;
  readonly subsampleSize: number;
  /** int32 indices of the subsample. */
  value: tf.Tensor | undefined;
}

export interface DeterministicMessage extends MessageBase {
  readonly type: 'deterministic';
  value: tf.Tensor;
  plates: PlateFrame[];
}

export type Message = SampleMessage | ParamMessage | PlateMessage | DeterministicMessage;
