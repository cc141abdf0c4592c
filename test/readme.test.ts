import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { clearParamStore } from '../src/runtime/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(root, 'test', '.readme-tmp');

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  clearParamStore();
});

describe('README', () => {
  it('its quick-start example runs and finds the exact posterior', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a ```ts block').toBeDefined();
    // Run the block as written, with the package names pointing at the sources.
    const code = block!
      .replace(/from 'roulette\/inference'/g, `from '${join(root, 'src/inference/index.ts')}'`)
      .replace(/from 'roulette'/g, `from '${join(root, 'src/index.ts')}'`);
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, 'quickstart.ts');
    writeFileSync(file, code);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import(file);
    const [, mean, , sd] = log.mock.calls.at(-1)! as [string, number, string, number];
    log.mockRestore();
    // exact posterior: precision 1/100 + 5/0.25, mean (10.5 / 0.25) / precision
    const precision = 1 / 100 + 5 / 0.25;
    expect(Math.abs(mean - 42 / precision)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1 / Math.sqrt(precision)) / (1 / Math.sqrt(precision))).toBeLessThan(0.15);
  });
});
