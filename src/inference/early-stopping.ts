import { fail } from '../runtime/errors.js';
import { checkOptions, type OptionSpecs } from './options.js';

/**
 * Early stopping on a noisy objective (higher is better: an ELBO, an IWAE bound, a log p(x)
 * estimate). One step's estimate is too noisy to compare, so the rule watches the mean of the last
 * `window` steps: once the window is full, every step whose mean beats the best mean so far by more
 * than `minDelta` resets a counter, and the fit stops when `patience` steps in a row have not.
 */
export interface EarlyStoppingOptions {
  /** Steps without an improvement of more than minDelta before stopping (an integer >= 1). */
  readonly patience: number;
  /** The improvement that counts, in the objective's units (default 0: any rise). */
  readonly minDelta?: number;
  /** Steps averaged into the smoothed objective (default 20). */
  readonly window?: number;
}

export const EARLY_STOPPING_SPECS: OptionSpecs = {
  patience: { kind: 'integer', min: 1 },
  minDelta: { kind: 'number', min: 0 },
  window: { kind: 'integer', min: 1 },
};

export class EarlyStopping {
  readonly #patience: number;
  readonly #minDelta: number;
  readonly #window: number;
  readonly #recent: number[] = [];
  #sum = 0;
  #best = -Infinity;
  #since = 0;

  constructor(options: EarlyStoppingOptions) {
    checkOptions('earlyStopping', options, EARLY_STOPPING_SPECS);
    if (options.patience === undefined) fail('invalid-argument', 'earlyStopping: patience is required (an integer >= 1: the steps without improvement before stopping)', 'patience');
    this.#patience = options.patience;
    this.#minDelta = options.minDelta ?? 0;
    this.#window = options.window ?? 20;
  }

  /** The mean of the last `window` objectives (undefined until the window is full). */
  get smoothed(): number | undefined {
    return this.#recent.length < this.#window ? undefined : this.#sum / this.#window;
  }

  /** The best smoothed objective so far. */
  get best(): number {
    return this.#best;
  }

  /** Steps since the smoothed objective last improved by more than minDelta. */
  get sinceImprovement(): number {
    return this.#since;
  }

  /** Take one step's objective; true when the fit should stop. */
  update(objective: number): boolean {
    this.#recent.push(objective);
    this.#sum += objective;
    if (this.#recent.length > this.#window) this.#sum -= this.#recent.shift()!;
    const smoothed = this.smoothed;
    if (smoothed === undefined) return false;
    if (smoothed > this.#best + this.#minDelta) {
      this.#best = smoothed;
      this.#since = 0;
      return false;
    }
    this.#since++;
    return this.#since >= this.#patience;
  }
}
