import { RouletteError } from '../../runtime/errors.js';

/**
 * An array read from a data file, before it becomes a tensor: row-major values, a shape, and where
 * it came from (so errors can name the file and the entry).
 */
export interface LoadedArray {
  readonly values: Float32Array;
  readonly shape: readonly number[];
  /** The file it was read from. */
  readonly file: string;
  /** Where flat entry i is in the file, for messages ("line 5, column 'y'", "x[3][1]", "index [3, 1]"). */
  locate(flat: number): string;
}

/** A data file that cannot be used: the message names the file and the problem (one line). */
export class DataFileError extends RouletteError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('io-error', `${file}: ${problem}`, file);
    this.name = 'DataFileError';
  }
}

/** Row-major index of a flat position. */
export function unflatten(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return index;
}

export function byIndex(file: string, values: Float32Array, shape: readonly number[]): LoadedArray {
  return { values, shape, file, locate: (flat) => (shape.length === 0 ? 'the value' : `index [${unflatten(flat, shape).join(', ')}]`) };
}
