import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reproductionPages } from '../../examples/reproduce/pages.js';
import type { ReproductionRecord } from '../../examples/reproduce/records.js';

/** A results directory holding figure-eight records with the test NLLs given, per estimator and seed. */
function figureEightResults(nll: Readonly<Record<string, readonly number[]>>): string {
  const results = mkdtempSync(join(tmpdir(), 'roulette-pages-'));
  const dir = join(results, 'figure-eight', 'reproduction');
  mkdirSync(dir, { recursive: true });
  for (const [estimator, values] of Object.entries(nll)) {
    values.forEach((testNll, i) => {
      const record: ReproductionRecord = { estimator: estimator as ReproductionRecord['estimator'], seed: i + 1, epochs: 10, trainSeconds: 1, testNll, evalK: 5000, testEveryK: 500, curve: [{ epoch: 1, testNll: 2, seconds: 0.1 }, { epoch: 10, testNll, seconds: 1 }] };
      writeFileSync(join(dir, `${estimator}-seed-${i + 1}.json`), JSON.stringify(record));
    });
  }
  return results;
}

const claimsOf = (results: string) => reproductionPages(results).find((p) => p.name === 'figure-eight')!.claims;
let made: string[] = [];
afterEach(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made = [];
});

describe('reproduction pages: verdicts from the records', () => {
  it('says the ordering holds when the mean is lower, and counts the seeds', () => {
    const results = figureEightResults({ mlrr: [0.9, 0.95], iwae: [0.92, 0.94], mlss: [0.96, 0.97] });
    made.push(results);
    const [mlrrIwae, mlssIwae] = claimsOf(results);
    expect(mlrrIwae).toMatchObject({ verdict: 'holds', ours: '0.9250 vs 0.9300; lower in 1 of 2 seeds', published: '0.9222 vs 0.9325' });
    expect(mlssIwae!.verdict).toBe('does not hold');
  });

  it('says "not run yet" where a side has no records', () => {
    const results = figureEightResults({ iwae: [0.92] });
    made.push(results);
    expect(claimsOf(results).map((c) => c.verdict)).toEqual(['not run yet', 'not run yet', 'not run yet']);
  });

  it('builds every page from an empty results directory without throwing', () => {
    const results = mkdtempSync(join(tmpdir(), 'roulette-pages-'));
    made.push(results);
    const pages = reproductionPages(results);
    expect(pages.map((p) => p.page)).toEqual(['reproduce-figure-eight', 'reproduce-linear-gaussian-sgd', 'reproduce-ppca-gradients', 'reproduce-mnist-shi-cornish']);
    for (const p of pages) expect(p.claims.every((c) => c.verdict === 'not run yet'), p.name).toBe(true);
  });
});
