import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { check } from '../../src/dsl/lang/index.js';
import { clearParamStore } from '../../src/runtime/index.js';
import { emMaximum } from '../helpers/mixture-em.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = join(root, 'test', '.docs-enumeration-tmp');
const page = readFileSync(join(root, 'docs', 'enumeration.md'), 'utf8');

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  clearParamStore();
});

describe('docs/enumeration.md', () => {
  it('its TypeScript example runs as written and reaches the maximum likelihood (EM)', async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
    expect(block).toBeDefined();
    const code = block!
      .replace(/from 'roulette(?:-ppl)?\/inference'/g, `from '${join(root, 'src/inference/index.ts')}'`)
      .replace(/from 'roulette(?:-ppl)?'/g, `from '${join(root, 'src/index.ts')}'`);
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, 'mixture.ts');
    writeFileSync(file, code);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import(file);
    const [, logLikelihood] = log.mock.calls.at(-1)! as [string, number];
    log.mockRestore();
    const points = JSON.parse(/tf\.tensor2d\((\[\[[^;]*\]\])\)/.exec(block!)![1]!) as [number, number][];
    const maximum = emMaximum(points, [[-2, 0], [0, 2], [2, 0]]);
    expect(Math.abs(logLikelihood - maximum), `${logLikelihood} vs EM ${maximum}`).toBeLessThan(0.01);
    // The number the page quotes.
    expect(page).toContain(`maximum likelihood, ${maximum.toFixed(2)}`);
  }, 30_000);

  it('its .ppl example checks', () => {
    const text = `const K = 3\ndata x: real[N, 2]\nparam mixing: real[K] = 0\nparam locs: real[K, 2] = [[-2, 0], [0, 2], [2, 0]]\nparam scale: positive = 1\n${/```\n(model \{[\s\S]*?)```/.exec(page)![1]}`;
    expect(check(text).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
