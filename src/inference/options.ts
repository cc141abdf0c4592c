import { closest } from '../runtime/names.js';
import { fail } from '../runtime/errors.js';

/**
 * Checks of the options a user gives a factory (an estimator, an optimiser, `svi`), done where they
 * are given: an unknown key (a typo silently falls back to a default) or a value out of range is an
 * error naming the factory, the option and the valid range. Each factory declares its options once as
 * a spec; the spec is also what a registry or a help text can list.
 */

/**
 * What one option accepts. Bounds are inclusive (`min`, `max`) or exclusive (`above`, `below`).
 * `default` is the value the factory uses when the option is absent: the factory reads it from its
 * spec, so the estimator registry (registry.ts), `roulette fit --help` and docs/estimators.md show the
 * one default there is.
 */
export type OptionSpec =
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number; readonly default?: number }
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number; readonly above?: number; readonly below?: number; readonly default?: number }
  | { readonly kind: 'boolean'; readonly default?: boolean }
  | { readonly kind: 'function' }
  | { readonly kind: 'estimator' }
  | { readonly kind: 'optimizer' }
  /** A number in the given range, or a function of the step returning one (checked when called). */
  | { readonly kind: 'learningRate' }
  | { readonly kind: 'oneOf'; readonly values: readonly string[]; readonly default?: string }
  /** A seed: a finite number or a string (or, inside the library, a Stream). */
  | { readonly kind: 'seed' }
  /** Checked by the factory itself (composite values); only the key is known here. */
  | { readonly kind: 'custom'; readonly expects: string };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The valid range of a spec, as the message shows it ("an integer >= 1", "a number in (0, 1)"). */
export function describe(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer':
      return spec.max === undefined ? `an integer >= ${spec.min ?? 0}` : `an integer in ${spec.min ?? 0} .. ${spec.max}`;
    case 'number': {
      const low = spec.above !== undefined ? `(${spec.above}` : spec.min !== undefined ? `[${spec.min}` : '(-inf';
      const high = spec.below !== undefined ? `${spec.below})` : spec.max !== undefined ? `${spec.max}]` : 'inf)';
      return `a finite number in ${low}, ${high}`;
    }
    case 'boolean':
      return 'true or false';
    case 'function':
      return 'a function';
    case 'estimator':
      return 'an estimator, e.g. iwae({ k: 5 })';
    case 'optimizer':
      return 'an optimiser, e.g. adam({ lr: 1e-3 })';
    case 'learningRate':
      return 'a finite number >= 0 or a function of the step returning one';
    case 'seed':
      return 'a finite number or a string';
    case 'oneOf':
      return `one of ${spec.values.map((v) => `'${v}'`).join(', ')}`;
    case 'custom':
      return spec.expects;
  }
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function valid(spec: OptionSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= (spec.min ?? 0) && (spec.max === undefined || value <= spec.max);
    case 'number':
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (spec.min === undefined || value >= spec.min) &&
        (spec.max === undefined || value <= spec.max) &&
        (spec.above === undefined || value > spec.above) &&
        (spec.below === undefined || value < spec.below)
      );
    case 'boolean':
      return typeof value === 'boolean';
    case 'function':
      return typeof value === 'function';
    case 'estimator':
      return value !== null && typeof value === 'object' && typeof (value as { surrogate?: unknown }).surrogate === 'function';
    case 'optimizer':
      return value !== null && typeof value === 'object' && typeof (value as { apply?: unknown }).apply === 'function';
    case 'learningRate':
      return typeof value === 'function' || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
    case 'seed':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' || (value !== null && typeof value === 'object' && typeof (value as { split?: unknown }).split === 'function');
    case 'oneOf':
      return typeof value === 'string' && spec.values.includes(value);
    case 'custom':
      return true;
  }
}

/**
 * Check `options` of `owner` (e.g. 'mlrr') against `specs`: every key known, every given value (not
 * undefined) valid. Throws a RouletteError ('invalid-argument', where = the option) otherwise.
 */
export function checkOptions(owner: string, options: unknown, specs: OptionSpecs): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail('invalid-argument', `${owner}: options must be an object like { ${Object.keys(specs)[0] ?? ''}: ... }, got ${shown(options)}`);
  }
  const known = Object.keys(specs);
  for (const [key, value] of Object.entries(options)) {
    const spec = specs[key];
    if (!spec) {
      const near = closest(key, known);
      fail(
        'invalid-argument',
        `${owner}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}. ` +
          (known.length > 0 ? `Its options: ${known.join(', ')}.` : 'It takes no options.'),
        key,
      );
    }
    if (value !== undefined && !valid(spec, value)) {
      fail('invalid-argument', `${owner}: option ${key} must be ${describe(spec)}, got ${shown(value)}`, key);
    }
  }
}
