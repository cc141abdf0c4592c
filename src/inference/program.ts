import type * as tf from '@tensorflow/tfjs';

/** A model or guide: a synchronous function of the user's arguments that calls roulette primitives. */
export type Program<A extends unknown[] = unknown[]> = (...args: A) => unknown;

/** What every estimator works on: a model, its guide, their arguments and how to draw particles. */
export interface Problem<A extends unknown[] = unknown[]> {
  readonly model: Program<A>;
  readonly guide: Program<A>;
  readonly args: A;
  /** false: draw particles one at a time (for programs that cannot broadcast); same numbers. */
  readonly vectorize: boolean;
  /**
   * Model latents the guide does not sample are drawn from their priors as part of the proposal (their
   * log-prob cancels from log w). Default false: such a latent is an error (src/inference/agreement.ts).
   */
  readonly allowPriorDraws?: boolean;
}

/** A short, stable description of argument shapes (the structure of a program may depend on them). */
export function argsSignature(args: readonly unknown[]): string {
  return JSON.stringify(args, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && 'shape' in value && 'dtype' in value
      ? `T${(value as tf.Tensor).dtype}[${(value as tf.Tensor).shape.join(',')}]`
      : value,
  );
}
