import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A misspelt observation (`yy ~ ...` for data `y`) used to fit the prior with one warning, which
 * `fit --json` dropped. Unused data is now an error naming the likely typo, unless asked for; warnings
 * reach stderr in every mode but --quiet and `fit --json`'s `warnings`; undeclared data entries too.
 */

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'roulette-unused-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function roulette(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ROULETTE_BACKEND: 'wasm' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const misspelt = file('misspelt.ppl', 'data y: real[N]\nmodel {\n  mu ~ normal(0, 10)\n  plate data(N) {\n    yy ~ normal(mu, 1)\n  }\n}\n');
const data = file('y.json', JSON.stringify({ y: [1.2, 2.1, 0.7], yz: [0] }));
const hint = "did you mean to observe it? 'yy ~ ...' (line 5) samples a new latent; write 'y ~ ...'";

describe('declared data the program never uses', () => {
  it('is an error in fit, naming the latent it was likely meant to be and the way to allow it', async () => {
    const r = await roulette(['fit', misspelt, '--data', data, '--steps', '5', '--out', join(dir, 'p.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${misspelt}:1:6: error[unused-data]: data 'y' is never used, so the fit ignores it`);
    expect(r.stderr).toContain(hint);
    expect(r.stderr).toContain('--allow-unused-data');
  });

  it('is an error in check too, and a warning with --allow-unused-data', async () => {
    const strict = await roulette(['check', misspelt]);
    expect([strict.code, strict.stdout.trim()]).toEqual([1, `${misspelt}: 1 error`]);
    const allowed = await roulette(['check', misspelt, '--allow-unused-data', '--json']);
    expect(allowed.code).toBe(0);
    expect((JSON.parse(allowed.stdout) as { diagnostics: { code: string; severity: string }[] }).diagnostics).toEqual([
      expect.objectContaining({ code: 'unused', severity: 'warning' }),
    ]);
  });

  it('when allowed: fit --json carries the warnings (the program\'s and the data file\'s), and stderr shows them', async () => {
    const r = await roulette(['fit', misspelt, '--data', data, '--steps', '5', '--json', '--allow-unused-data', '--out', join(dir, 'p.json')]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { warnings: { code: string; file: string; message: string; hint?: string }[] };
    expect(summary.warnings).toEqual([
      { code: 'unused', file: misspelt, line: 1, column: 6, message: "data 'y' is never used, so the fit ignores it", hint },
      { code: 'unknown-data', file: data, message: "entry 'yz' is not declared in the program; ignored", hint: 'the program declares y; remove it from the file or declare it' },
    ]);
    expect(r.stderr).toContain(`${misspelt}:1:6: warning[unused]`);
    expect(r.stderr).toContain(`${data}: warning[unknown-data]: entry 'yz' is not declared in the program; ignored`);
    const quiet = await roulette(['fit', misspelt, '--data', data, '--steps', '5', '--quiet', '--allow-unused-data', '--out', join(dir, 'p.json')]);
    expect([quiet.code, quiet.stderr]).toEqual([0, '']);
  });

  it('a correct program fits with no warnings at all', async () => {
    const good = file('good.ppl', 'data y: real[N]\nmodel {\n  mu ~ normal(0, 10)\n  plate data(N) {\n    y ~ normal(mu, 1)\n  }\n}\n');
    const r = await roulette(['fit', good, '--data', file('y-only.json', JSON.stringify({ y: [1.2, 2.1, 0.7] })), '--steps', '5', '--json', '--out', join(dir, 'p.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { warnings: unknown[] }).warnings).toEqual([]);
  });
});
