/** Every failure roulette reports on purpose carries one of these codes. */
export type RouletteErrorCode =
  | 'duplicate-site'
  | 'unvisited-observation'
  | 'async-model'
  | 'shape-mismatch'
  | 'invalid-argument'
  | 'invalid-scale'
  | 'unknown-constraint'
  | 'out-of-support'
  | 'no-rsample'
  | 'non-finite'
  | 'unknown-backend'
  | 'backend-unavailable'
  | 'param-error'
  | 'io-error'
  | 'unsupported-model'
  | 'program-error'
  | 'guide-mismatch';

/**
 * The one error type roulette throws deliberately. Messages name the site or argument, say what was
 * expected and what to do.
 *
 * @example
 * try { fit() } catch (e) { if (e instanceof RouletteError && e.code === 'non-finite') ... }
 */
export class RouletteError extends Error {
  readonly code: RouletteErrorCode;
  /** The site, argument or file the error is about, when there is one. */
  readonly where: string | undefined;

  constructor(code: RouletteErrorCode, message: string, where?: string) {
    super(message);
    this.name = 'RouletteError';
    this.code = code;
    this.where = where;
  }
}

export function fail(code: RouletteErrorCode, message: string, where?: string): never {
  throw new RouletteError(code, message, where);
}
