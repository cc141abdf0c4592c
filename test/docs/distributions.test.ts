import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compile } from '../../src/dsl/lang/index.js';
import { clearParamStore } from '../../src/runtime/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = join(root, 'test', '.docs-distributions-tmp');
const page = readFileSync(join(root, 'docs', 'distributions.md'), 'utf8');

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  clearParamStore();
});

describe('docs/distributions.md', () => {
  it('its TypeScript example runs as written', async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
    expect(block).toBeDefined();
    const code = block!
      .replace(/from 'roulette(?:-ppl)?\/inference'/g, `from '${join(root, 'src/inference/index.ts')}'`)
      .replace(/from 'roulette(?:-ppl)?'/g, `from '${join(root, 'src/index.ts')}'`);
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, 'priors.ts');
    writeFileSync(file, code);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import(file);
    const [positive, aboveEight, logDensity] = log.mock.calls.at(-1)! as [boolean, boolean, number];
    log.mockRestore();
    expect(positive).toBe(true);
    expect(aboveEight).toBe(true);
    // scipy: lognorm(s=2, scale=exp(0.5)).logpdf(1.6) = -2.082202 (exp(0.5 + 2 Z) is that log-normal).
    expect(Math.abs(logDensity - -2.082202)).toBeLessThan(1e-5);
  });

  it('its .ppl example checks', () => {
    const text = /```\n(data y[\s\S]*?)```/.exec(page)?.[1];
    expect(text).toBeDefined();
    expect(() => compile(text!, { autoGuide: () => () => undefined })).not.toThrow();
  });
});
