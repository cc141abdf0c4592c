/**
 * The data each gallery page is built from. gallery/scripts/collect.ts reads them at build time from
 * examples/ (the registry, READMEs, sources, and the committed examples/results/); the pages get them
 * as JSON modules, so the built site needs no server.
 */

import type { RunResult } from '../../../examples/result.js';

export type { EpochRecord } from '../../../examples/result.js';
export type { Claim, Curve, ReproductionPage, Table, Verdict } from '../../../examples/reproduce/page-types.js';

/** examples/results/<example>/<estimator>.json as examples/run.ts writes it, without per-step objectives. */
export type Run = Omit<RunResult, 'example' | 'backend' | 'stepObjectives'>;

/** A grid of greyscale images: `count` images of width x height bytes (0-255), row-major, base64. */
export interface ImageGrid {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  readonly pixels: string;
}

/** examples/results/<example>/<estimator>.pictures.json, quantised to bytes for the page. */
export interface Pictures {
  readonly estimator: string;
  readonly originals: ImageGrid;
  readonly reconstructions: ImageGrid;
  readonly samples: ImageGrid;
}

export interface SourceFile {
  /** Path from the repository root, e.g. examples/vae-mnist/model.ppl. */
  readonly path: string;
  readonly text: string;
}

export interface ExamplePage {
  readonly name: string;
  readonly description: string;
  /** Estimators the example supports (registry), whether or not results are committed. */
  readonly estimators: readonly string[];
  /** examples/<name>/README.md, markdown; null when the example has none. */
  readonly readme: string | null;
  readonly sources: readonly SourceFile[];
  readonly runs: readonly Run[];
  /** examples/results/<name>/summary.md (a reproduction over seeds), markdown. */
  readonly summary: string | null;
  /** True for models of images: the page shows a picture grid or says there is none yet. */
  readonly images: boolean;
  readonly pictures: readonly Pictures[];
  /** A walk-through (examples/walkthroughs.ts): its README holds the results, no result files. */
  readonly walkthrough?: boolean;
  /** The studies under research/ that the example's README points to. */
  readonly research: readonly ResearchLink[];
}

/** A study under research/<name>/ (research notes, not an example): its README, shown as one page. */
export interface ResearchPage {
  readonly name: string;
  /** The page's file name without .html: research-<name>. */
  readonly page: string;
  /** The README's first heading. */
  readonly title: string;
  /** research/<name>/README.md, markdown. */
  readonly readme: string;
}

export type ResearchLink = Pick<ResearchPage, 'page' | 'title'>;

/** One row of examples/results/diagnostics/gaussian.json (examples/diagnostics/gaussian.ts). */
export interface BiasVarianceRow {
  readonly estimator: string;
  readonly cost: number;
  readonly measuredCost: number;
  readonly bias2: number;
  readonly bias2SE: number;
  readonly variance: number;
  readonly gradBias2: number;
  readonly gradBias2SE: number;
  readonly gradVariance: number;
}

export interface SgdPoint {
  readonly step: number;
  readonly draws: number;
  readonly distance: number;
}

export interface DiagnosticsPage {
  /** examples/results/diagnostics/README.md. */
  readonly readme: string | null;
  readonly biasVariance: { readonly protocol: Readonly<Record<string, unknown>>; readonly rows: readonly BiasVarianceRow[] } | null;
  readonly sgd: { readonly steps: number; readonly datapoints: number; readonly trajectories: Readonly<Record<string, readonly SgdPoint[]>> } | null;
}

export interface IndexEntry {
  readonly name: string;
  readonly description: string;
  /** Estimators with committed results. */
  readonly results: readonly string[];
  readonly images: boolean;
  /** A walk-through (examples/walkthroughs.ts): its README holds the results. */
  readonly walkthrough?: boolean;
}

export interface IndexPage {
  readonly examples: readonly IndexEntry[];
  readonly research: readonly ResearchLink[];
  /** The papers' experiments reproduced (examples/reproduce/pages.ts), one page each. */
  readonly reproductions: readonly { readonly page: string; readonly title: string; readonly verdicts: readonly string[] }[];
  /** Whether the playground page is part of this build. */
  readonly playground: boolean;
}
