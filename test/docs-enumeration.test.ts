import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { check } from '../src/dsl/lang/index.js';
import { clearParamStore } from '../src/runtime/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(root, 'test', '.docs-enumeration-tmp');
const page = readFileSync(join(root, 'docs', 'enumeration.md'), 'utf8');

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  clearParamStore();
});

/** EM for a mixture of isotropic normals with one shared scale (the page's model), in float64. */
function emMaximum(points: readonly (readonly [number, number])[], start: readonly (readonly [number, number])[]): number {
  const k = start.length;
  const n = points.length;
  let pi = new Array<number>(k).fill(1 / k);
  let mu = start.map((m) => [...m]);
  let s2 = 1;
  let logLik = -Infinity;
  for (let it = 0; it < 5000; it++) {
    let total = 0;
    const resp = points.map(([a, b]) => {
      const lp = mu.map(([m0, m1], c) => Math.log(pi[c]!) - ((a - m0!) ** 2 + (b - m1!) ** 2) / (2 * s2) - Math.log(2 * Math.PI * s2));
      const top = Math.max(...lp);
      const z = top + Math.log(lp.reduce((acc, l) => acc + Math.exp(l - top), 0));
      total += z;
      return lp.map((l) => Math.exp(l - z));
    });
    logLik = total;
    const nk = mu.map((_, c) => resp.reduce((acc, r) => acc + r[c]!, 0));
    pi = nk.map((v) => v / n);
    mu = mu.map((_, c) => [0, 1].map((j) => resp.reduce((acc, r, i) => acc + r[c]! * points[i]![j]!, 0) / nk[c]!));
    s2 = resp.reduce((acc, r, i) => acc + mu.reduce((b, m, c) => b + r[c]! * ((points[i]![0] - m[0]!) ** 2 + (points[i]![1] - m[1]!) ** 2), 0), 0) / (2 * n);
  }
  return logLik;
}

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
