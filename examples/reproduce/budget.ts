import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig, RunResult } from '../run.js';
import type { EstimatorName, Hyper } from '../registry.js';

const CALIBRATION_EPOCHS = 4;

type Runner = (config: RunConfig) => Promise<RunResult | { readonly skipped: string }>;

export interface BudgetedRun {
  readonly example: string;
  readonly estimator: EstimatorName;
  readonly seed: number;
  /** Training wall-clock budget for this run. */
  readonly minutes: number;
  readonly overrides: Partial<Hyper>;
  readonly out: string;
  /** Fixed epochs instead of a time budget (equal-epoch comparisons). */
  readonly epochs?: number;
  /** Never more epochs than this under a time budget (the paper's protocol caps epochs too). */
  readonly maxEpochs?: number;
}

/**
 * Run one example for a time budget: a short calibration run (cheap evaluation) measures seconds per
 * epoch after the first (which pays for warm-up and would overstate the cost), then the real run gets
 * floor(budget / that) epochs, at least one and at most `maxEpochs`. Epoch counts, not a clock inside
 * the loop, keep the run reproducible from its result file.
 */
export async function budgetedRun(run: Runner, spec: BudgetedRun): Promise<RunResult> {
  const base = { example: spec.example, estimator: spec.estimator, seed: spec.seed, quick: false, quiet: false } as const;
  let epochs = spec.epochs;
  if (epochs === undefined) {
    const scratch = mkdtempSync(join(tmpdir(), 'roulette-calibration-'));
    const calibration = await run({ ...base, overrides: { ...spec.overrides, epochs: CALIBRATION_EPOCHS, evalK: 1 }, out: scratch, quiet: true });
    rmSync(scratch, { recursive: true, force: true });
    if ('skipped' in calibration) throw new Error(`${spec.example}: ${calibration.skipped}`);
    // Epoch records carry cumulative seconds.
    const first = calibration.epochs[0]!.seconds;
    const last = calibration.epochs[calibration.epochs.length - 1]!.seconds;
    const perEpoch = (last - first) / (calibration.epochs.length - 1);
    epochs = Math.min(spec.maxEpochs ?? Infinity, Math.max(1, Math.floor((spec.minutes * 60) / perEpoch)));
  }
  const result = await run({ ...base, overrides: { ...spec.overrides, epochs }, out: spec.out });
  if ('skipped' in result) throw new Error(`${spec.example}: ${result.skipped}`);
  return result;
}

export interface Row {
  readonly estimator: string;
  readonly seed: number;
  readonly epochs: number;
  readonly seconds: number;
  readonly value: number;
}

/** Mean and sample sd (NaN for one value) of `values`. */
export function meanSd(values: readonly number[]): { readonly mean: number; readonly sd: number } {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : NaN;
  return { mean, sd };
}

/** Rows grouped by estimator: mean and spread over seeds. */
export function markdownTable(rows: readonly Row[], label: string): string {
  const names = [...new Set(rows.map((r) => r.estimator))];
  const lines = [`| estimator | seeds | epochs | train s | ${label} (mean ± sd over seeds) |`, '| --- | --- | --- | --- | --- |'];
  for (const name of names) {
    const mine = rows.filter((r) => r.estimator === name);
    const { mean, sd } = meanSd(mine.map((r) => r.value));
    const epochs = mine.map((r) => r.epochs).join('/');
    const seconds = meanSd(mine.map((r) => r.seconds)).mean.toFixed(0);
    lines.push(`| ${name} | ${mine.map((r) => r.seed).join(',')} | ${epochs} | ${seconds} | ${mean.toFixed(4)}${Number.isNaN(sd) ? '' : ` ± ${sd.toFixed(4)}`} |`);
  }
  return `${lines.join('\n')}\n`;
}
