import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RouletteError, type RouletteErrorCode } from '../runtime/errors.js';

/** Wrong flags or arguments: reported with the command's usage line, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the command reports as one line (exit code 1). */
export class CliError extends RouletteError {
  constructor(message: string, code: RouletteErrorCode = 'invalid-argument') {
    super(code, message);
    this.name = 'CliError';
  }
}

export type OptionTable = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;
  readonly positionals: readonly string[];
}

/** node:util parseArgs in strict mode, its errors turned into UsageErrors that show the usage. */
export function parseCommand(argv: readonly string[], options: OptionTable, usage: string): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional argument.*$/s, ''), usage);
  }
}

/** A flag that must be a number (integer, positive, ...): a UsageError naming it otherwise. */
export function numberFlag(values: Parsed['values'], flag: string, usage: string, kind: 'integer' | 'number', fallback: number): number;
export function numberFlag(values: Parsed['values'], flag: string, usage: string, kind: 'integer' | 'number'): number | undefined;
export function numberFlag(values: Parsed['values'], flag: string, usage: string, kind: 'integer' | 'number', fallback?: number): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} must be ${kind === 'integer' ? 'an integer' : 'a number'}, got '${String(raw)}'`, usage);
  }
  return n;
}

/** Exactly one positional argument: the .ppl file. */
export function oneFile(positionals: readonly string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE (a .ppl program)' : `expected one FILE, got ${positionals.join(' ')}`, usage);
  return positionals[0]!;
}
