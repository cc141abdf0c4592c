/**
 * What a reproduction's gallery page shows (built by examples/reproduce/pages.ts from the committed
 * results, drawn by gallery/src/site/reproduction-page.ts). Types only, so browser code may import it.
 */

/** Whether one of the paper's claims shows in our numbers. */
export type Verdict = 'holds' | 'partly' | 'does not hold' | 'not run yet';

export interface Claim {
  /** The claim, e.g. "ML-RR's test NLL <= IWAE's". */
  readonly claim: string;
  /** The paper's numbers for it. */
  readonly published: string;
  /** Ours, from the committed results. */
  readonly ours: string;
  readonly verdict: Verdict;
}

export interface Table {
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Lines of y against x, one per series (an estimator, or an estimator at a setting). */
export interface Curve {
  readonly name: string;
  readonly caption: string;
  readonly x: { readonly label: string; readonly log?: boolean };
  readonly y: { readonly label: string; readonly log?: boolean };
  /** A learning curve: its first points, far from the rest, may be cut off so the rest can be read. */
  readonly learning?: boolean;
  readonly points: readonly { readonly series: string; readonly x: number; readonly y: number }[];
}

export interface ReproductionPage {
  readonly name: string;
  /** The page's file name without .html: reproduce-<name>. */
  readonly page: string;
  readonly title: string;
  /** The paper and the part of it reproduced. */
  readonly source: string;
  /** The commands that made the results, in order. */
  readonly commands: readonly string[];
  /** Where our protocol must differ from the paper's. */
  readonly differences: readonly string[];
  readonly claims: readonly Claim[];
  readonly tables: readonly Table[];
  readonly curves: readonly Curve[];
  /** The reproduction's summary.md or README (markdown), when there is one. */
  readonly notes: string | null;
}
