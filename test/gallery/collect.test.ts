import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResearch, readResults } from '../../gallery/scripts/collect.js';

/**
 * gallery/scripts/collect.ts on folders written here: a result folder holds runs of examples/run.ts
 * (one schema, examples/result.ts), their pictures and a summary.md, and anything else fails the build
 * naming the file; research/<name>/README.md files become one page each.
 */
const out = mkdtempSync(join(tmpdir(), 'roulette-collect-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function folder(name: string, files: Record<string, unknown>): string {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const run = (estimator: string) => ({
  example: 'tiny',
  estimator,
  backend: 'wasm',
  config: { epochs: 1, batch: 2, lr: 0.01, optimizer: 'adam', k: 5, r: 0.6, level: 0, m: 1, particles: 1, lag: 5, evalK: 10, seed: 1, quick: true },
  data: { train: 4, test: 2 },
  epochs: [{ epoch: 1, objective: -3.5, seconds: 0.1, steps: 2, stats: { cost: 5 } }],
  stepObjectives: [-4, -3],
  testLogLikelihood: -3.25,
  seconds: { train: 0.1, evaluate: 0.05, total: 0.15 },
  stepsPerSecond: 20,
  finishedAt: '2026-12-04T00:00:00.000Z',
});

describe('gallery collect: result folders', () => {
  it('reads runs in the estimators order, without what the pages do not show', () => {
    const found = readResults(folder('runs', { 'mlrr.json': run('mlrr'), 'elbo.json': run('elbo'), 'summary.md': '# tiny\n' }));
    expect(found.runs.map((r) => r.estimator)).toEqual(['elbo', 'mlrr']);
    for (const r of found.runs) for (const key of ['example', 'backend', 'stepObjectives']) expect(r).not.toHaveProperty(key);
    expect(found.runs[0]).toMatchObject({ testLogLikelihood: -3.25, config: { evalK: 10, seed: 1 } });
    expect(found.summary).toBe('# tiny\n');
    expect(found.pictures).toEqual([]);
  });

  it('names the fields a run lacks', () => {
    const { seconds: _seconds, stepsPerSecond: _speed, ...broken } = run('elbo');
    const dir = folder('broken', { 'elbo.json': broken });
    expect(() => readResults(dir)).toThrow(`${join(dir, 'elbo.json')}: a run of examples/run.ts, but without seconds, stepsPerSecond`);
  });

  it('rejects a result file of another shape', () => {
    const dir = folder('unknown', { 'meeting-times.json': { checkpoints: [] } });
    expect(() => readResults(dir)).toThrow(/meeting-times\.json: not a result file the gallery knows/);
  });

  it('quantises pictures to bytes', () => {
    const image = Array.from({ length: 4 }, (_, i) => i / 3);
    const pictures = { example: 'tiny', estimator: 'elbo', width: 2, height: 2, originals: [image], reconstructions: [image], samples: [image] };
    const [p] = readResults(folder('pictures', { 'elbo.pictures.json': pictures })).pictures;
    expect(p).toMatchObject({ estimator: 'elbo', originals: { width: 2, height: 2, count: 1 } });
    expect([...Buffer.from(p!.originals.pixels, 'base64')]).toEqual([0, 85, 170, 255]);
  });
});

describe('gallery collect: research notes', () => {
  it('makes a page of every research/<name>/README.md, titled by its first heading', () => {
    const root = join(out, 'repo');
    folder('repo/research/study-b', { 'README.md': 'Intro without a heading first.\n\n# The second study\n' });
    folder('repo/research/study-a', { 'README.md': '# The first study\n\nFindings.\n', 'notes.ts': '' });
    folder('repo/research/no-readme', { 'script.ts': '' });
    expect(readResearch(root).map(({ name, page, title }) => ({ name, page, title }))).toEqual([
      { name: 'study-a', page: 'research-study-a', title: 'The first study' },
      { name: 'study-b', page: 'research-study-b', title: 'The second study' },
    ]);
    expect(readResearch(join(out, 'no-such-repo'))).toEqual([]);
  });
});
