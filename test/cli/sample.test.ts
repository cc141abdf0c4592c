import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `roulette sample` end to end in a child process: JSON output, the table, and usage errors. */

const root = new URL('../../', import.meta.url).pathname;

function roulette(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ROULETTE_BACKEND: 'wasm' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const schools = ['examples/eight-schools/model.ppl', '--data', 'examples/eight-schools/data.json'];

describe('roulette sample', () => {
  it('--json: every latent element with mean, sd, quantiles, R-hat and ESS; the same seed gives the same numbers', async () => {
    const args = ['sample', ...schools, '--chains', '2', '--warmup', '60', '--draws', '40', '--seed', '5', '--json'];
    const [a, b] = await Promise.all([roulette(args), roulette(args)]);
    expect(a.code, a.stderr).toBe(0);
    const out = JSON.parse(a.stdout) as { kernel: string; chains: number; draws: number; divergences: number; sites: { name: string; shape: number[]; mean: number[]; rhat: number[]; essBulk: number[]; quantiles: Record<string, number[]> }[] };
    expect(out).toMatchObject({ kernel: 'nuts', chains: 2, draws: 40 });
    expect(out.sites.map((s) => s.name)).toEqual(['mu', 'tau', 'theta_tilde']);
    const thetaTilde = out.sites[2]!;
    expect(thetaTilde.shape).toEqual([8]);
    expect(thetaTilde.rhat).toHaveLength(8);
    expect(Object.keys(thetaTilde.quantiles)).toEqual(['5%', '50%', '95%']);
    expect(out.sites[1]!.mean[0]).toBeGreaterThan(0); // tau, in its constrained space
    expect(b.stdout).toBe(a.stdout);
  });

  it('the table has R-hat and ESS columns; a bad flag is a usage error naming it', async () => {
    const table = await roulette(['sample', ...schools, '--chains', '1', '--warmup', '20', '--draws', '20', '--kernel', 'hmc', '--steps', '5', '--site', 'mu']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/HMC, 1 chains x 20 draws after 20 warm-up/);
    expect(table.stdout).toMatch(/site\s+mean\s+sd\s+mcse\s+5%\s+50%\s+95%\s+rhat\s+ess_bulk\s+ess_tail/);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    const bad = await roulette(['sample', ...schools, '--kernel', 'gibbs']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kernel must be nuts or hmc, got 'gibbs'/);
    const steps = await roulette(['sample', ...schools, '--steps', '5']);
    expect(steps.code).toBe(2);
    expect(steps.stderr).toMatch(/--steps is for --kernel hmc/);
  });
});
