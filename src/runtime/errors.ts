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

/** What a value is, for an error message: 'a number (3)', 'a string', 'undefined', 'an object'. */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'number') return `a number (${value})`;
  if (Array.isArray(value)) return 'an array';
  const made = typeof value === 'object' ? (value as object).constructor?.name : undefined;
  if (made !== undefined && made !== 'Object') return /^[AEIOU]/.test(made) ? `an ${made}` : `a ${made}`;
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}

/** Handlers and engines take programs: a function, refused at once otherwise (not at the first run). */
export function requireProgram(value: unknown, who: string, what = 'the program'): void {
  if (typeof value !== 'function') fail('invalid-argument', `${who}: ${what} must be a function (a model or guide), got ${kindOf(value)}`);
}
