import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/fallback-run.ts', import.meta.url));

describe('without the native addon (a child process with ROULETTE_NATIVE=0)', () => {
  it('runs the stock wasm kernels by default with one warning line, and fails clearly when native ones are asked for', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ROULETTE_NATIVE: '0' };
    delete env['ROULETTE_BACKEND'];
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { backend: string; kernels: string; product: number[]; nativeError: string };
    expect(result).toMatchObject({ backend: 'wasm', kernels: 'stock', product: [3, 3, 3, 3] });
    expect(result.nativeError).toMatch(/RouletteError: native kernels are not available \(turned off by ROULETTE_NATIVE=0\).*npm rebuild roulette/);
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('roulette:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^roulette: native kernels unavailable \(.*\); using tfjs's stock wasm kernels/);
  });
});
