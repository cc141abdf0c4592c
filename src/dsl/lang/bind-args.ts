import type { Argument } from './ast.js';
import { diagnostic, suggestion, type Diagnostic } from './diagnostics.js';

export interface Signature {
  /** What the call is, for messages: "normal", "function sum", "plate 'data'". */
  readonly what: string;
  /** Names that positional arguments take, in order. */
  readonly positional: readonly string[];
  /** Every name that may be given (positional names included). */
  readonly names: readonly string[];
}

/**
 * Match a call's arguments to parameter names: positional ones in order, then named ones. Reports
 * unknown names, duplicates, positional-after-named and too many arguments; returns undefined after
 * any of them so later checks do not pile up on a malformed call.
 */
export function bindArguments(args: readonly Argument[], signature: Signature, report: (d: Diagnostic) => void): Map<string, Argument> | undefined {
  const bound = new Map<string, Argument>();
  let ok = true;
  let sawNamed = false;
  let position = 0;
  for (const arg of args) {
    if (arg.name === undefined) {
      if (sawNamed) {
        report(diagnostic('positional-after-named', arg.span, `${signature.what}: a positional argument follows a named one`, 'put positional arguments first, or name this one too'));
        ok = false;
        continue;
      }
      const name = signature.positional[position++];
      if (name === undefined) {
        const list = signature.positional.length > 0 ? ` (${signature.positional.join(', ')})` : '';
        report(
          diagnostic(
            'argument-count',
            arg.span,
            `${signature.what} takes ${signature.positional.length === 0 ? 'no' : `at most ${signature.positional.length}`} positional argument${signature.positional.length === 1 ? '' : 's'}${list}, got ${args.filter((a) => a.name === undefined).length}`,
            signature.names.length > signature.positional.length ? `name the others: ${signature.names.filter((n) => !signature.positional.includes(n)).map((n) => `${n} = ...`).join(', ')}` : 'remove the extra arguments',
          ),
        );
        ok = false;
        continue;
      }
      bound.set(name, arg);
      continue;
    }
    sawNamed = true;
    const name = arg.name.name;
    if (!signature.names.includes(name)) {
      report(diagnostic('unknown-argument', arg.name.span, `${signature.what} has no argument named '${name}'`, suggestion(name, signature.names, 'argument')));
      ok = false;
      continue;
    }
    if (bound.has(name)) {
      report(diagnostic('duplicate-argument', arg.name.span, `${signature.what}: '${name}' is given twice`, 'give each argument once'));
      ok = false;
      continue;
    }
    bound.set(name, arg);
  }
  return ok ? bound : undefined;
}
