import type { Span } from './ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import type { PlateInfo } from './program-info.js';
import type { Dim } from './static-shapes.js';

/** One `plate name(size, subsample = b)` statement. */
export interface PlateRecord {
  readonly name: string;
  /** The enclosing plate, if any. */
  readonly parent: string | undefined;
  readonly size: Dim;
  readonly subsample: Dim | undefined;
  readonly span: Span;
}

/**
 * The plates of a file. A plate name means one plate everywhere (the model replays the guide's
 * minibatch by name): same size, same subsample, same parent. From the nesting, each plate gets its
 * batch dim: -(1 + the depth of plates nested inside it), so outer plates own the dims further left
 * and data laid out [N, M] lines up with plate i(N) { plate j(M) }.
 */
export class PlateRegistry {
  readonly #plates = new Map<string, PlateRecord>();

  get(name: string): PlateRecord | undefined {
    return this.#plates.get(name);
  }

  register(p: PlateRecord, report: (d: Diagnostic) => void): void {
    const seen = this.#plates.get(p.name);
    if (!seen) {
      this.#plates.set(p.name, p);
      return;
    }
    const where = `(line ${seen.span.start.line})`;
    const placement = (parent: string | undefined) => (parent ? `inside plate '${parent}'` : 'at the top level');
    if (seen.parent !== p.parent) {
      report(diagnostic('plate-mismatch', p.span, `plate '${p.name}' is ${placement(p.parent)} here but ${placement(seen.parent)} ${where}`, 'nest a plate the same way everywhere (the model and the guide must agree)'));
    } else if (seen.size !== p.size) {
      report(diagnostic('plate-mismatch', p.span, `plate '${p.name}' has size ${String(p.size)} here but ${String(seen.size)} ${where}`, 'give a plate the same size everywhere'));
    } else if (seen.subsample !== p.subsample) {
      report(
        diagnostic(
          'plate-mismatch',
          p.span,
          `plate '${p.name}' has subsample ${String(p.subsample ?? 'none')} here but ${String(seen.subsample ?? 'none')} ${where}`,
          'the model and the guide must subsample a plate the same way (the guide draws the minibatch, the model reuses it)',
        ),
      );
    }
  }

  /** Every plate with its dim. */
  infos(): Map<string, PlateInfo> {
    const children = new Map<string, string[]>();
    for (const p of this.#plates.values()) if (p.parent) children.set(p.parent, [...(children.get(p.parent) ?? []), p.name]);
    const height = (name: string): number => Math.max(0, ...(children.get(name) ?? []).map((c) => 1 + height(c)));
    const out = new Map<string, PlateInfo>();
    for (const p of this.#plates.values()) out.set(p.name, { name: p.name, parent: p.parent, dim: -(1 + height(p.name)), size: p.size });
    return out;
  }
}
