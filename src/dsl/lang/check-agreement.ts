import type { SampleStmt, Span } from './ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { describeSupport, supportWithin, type Support } from './distributions.js';
import { formatShape, sameDims, type Dim } from './static-shapes.js';

/** A sample statement as the agreement check sees it. */
export interface SiteRecord {
  readonly kind: 'latent' | 'observed';
  readonly stmt: SampleStmt;
  /** The draw's type; undefined when the distribution call had an error (already reported). */
  readonly draw: { readonly item: readonly Dim[]; readonly support: Support; readonly distribution: string } | undefined;
  /** Enclosing plates, outermost first. */
  readonly plates: readonly string[];
}

const describePlates = (p: readonly string[]): string => (p.length === 0 ? 'outside every plate' : `inside plate${p.length > 1 ? 's' : ''} ${p.map((x) => `'${x}'`).join(' > ')}`);

/**
 * The guide must propose every latent of the model, and nothing else, with the shape, plates and
 * support the model scores: a guide draw the prior rules out gives log p = -Infinity. Latents the
 * model enumerates are summed out, not proposed: the guide must leave them out.
 */
export function checkAgreement(
  model: ReadonlyMap<string, SiteRecord>,
  guide: ReadonlyMap<string, SiteRecord>,
  isData: (name: string) => boolean,
  report: (d: Diagnostic) => void,
): void {
  const line = (span: Span): number => span.start.line;
  for (const [name, m] of model) {
    if (m.kind !== 'latent') continue;
    const g = guide.get(name);
    if (m.stmt.enumerate) {
      // Summed out in the model: the guide must not propose it.
      if (g) report(diagnostic('enumerated-in-guide', g.stmt.target.span, `latent '${name}' is enumerated in the model (line ${line(m.stmt.span)}), so the guide must not sample it`, `remove '${name} ~ ...' from the guide; enumeration sums it out exactly`));
      continue;
    }
    if (!g) {
      report(diagnostic('unguided-latent', m.stmt.target.span, `latent '${name}' is sampled in the model but not in the guide`, `add '${name} ~ ...' to the guide${m.plates.length > 0 ? `, inside plate '${m.plates[m.plates.length - 1]}'` : ''}`));
      continue;
    }
    const [md, gd] = [m.draw, g.draw];
    if (md && gd && !sameDims(md.item, gd.item)) {
      report(diagnostic('latent-mismatch', g.stmt.target.span, `latent '${name}' has shape ${formatShape(gd.item)} in the guide but ${formatShape(md.item)} in the model (line ${line(m.stmt.span)})`, 'the guide must propose values of the shape the model scores'));
    } else if (m.plates.join('/') !== g.plates.join('/')) {
      report(diagnostic('latent-mismatch', g.stmt.target.span, `latent '${name}' is ${describePlates(g.plates)} in the guide but ${describePlates(m.plates)} in the model (line ${line(m.stmt.span)})`, 'sample a latent in the same plates in both blocks'));
    } else if (md && gd && !supportWithin(gd.support, md.support)) {
      report(
        diagnostic(
          'support-mismatch',
          g.stmt.dist.span,
          `latent '${name}': the guide's ${gd.distribution} draws ${describeSupport(gd.support)}, but the model's ${md.distribution} (line ${line(m.stmt.span)}) is over ${describeSupport(md.support)}`,
          md.support === 'positive' ? 'use a positive guide such as lognormal(...) or gamma(...)' : `use a guide distribution over ${describeSupport(md.support)}`,
        ),
      );
    }
  }
  for (const [name, g] of guide) {
    if (g.kind === 'latent' && !model.has(name)) {
      report(diagnostic('unmodelled-latent', g.stmt.target.span, `latent '${name}' is sampled in the guide but not in the model`, isData(name) ? `'${name}' is data` : `add '${name} ~ ...' (its prior) to the model, or remove it from the guide`));
    }
  }
}
