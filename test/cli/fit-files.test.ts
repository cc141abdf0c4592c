import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Progress, progressLine } from '../../src/cli/progress.js';
import { Stream } from '../../src/runtime/rng.js';

/**
 * `roulette fit` / `eval` and their files and terminal (issue 17 items 4, 8, 9; issue 18 item 5), in
 * child processes: params files of another program refused, --init keeping only what matches, a fit
 * resumed from its file equal to the unbroken fit, --out onto links, directories, FIFOs and device
 * nodes (made in a temp directory, never the real /dev), --lr-schedule and early stopping, the
 * progress line fitted to the terminal, and Ctrl-C through npx.
 */

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'roulette-fit-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const env = { ...process.env, ROULETTE_BACKEND: 'wasm' };

function roulette(args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const stream = Stream.fromSeed('fit-files');
const lgData = join(dir, 'lg.json');
writeFileSync(lgData, JSON.stringify({ x: Array.from({ length: 12 }, () => [0, 1, 2].map((m) => m + stream.normal() * 1.4)) }));
const LG = 'examples/linear-gaussian/model.ppl';
const REGRESSION = ['examples/bayesian-regression/model.ppl', '--data', 'examples/bayesian-regression/data.csv'];
const ES = ['examples/eight-schools/model.ppl', '--data', 'examples/eight-schools/data.json'];
const errorLines = (r: Result): string[] => r.stderr.split('\n').filter((l) => l.startsWith('roulette: error'));
const savedParams = (path: string): Record<string, { unconstrained: number[] }> => (JSON.parse(readFileSync(path, 'utf8')) as { params: Record<string, { unconstrained: number[] }> }).params;

describe('params files of another program (issue 17 item 4)', () => {
  it('eval refuses them, listing the names; a file fitted with --guide auto:multivariateNormal says which --guide to pass', async () => {
    const lgParams = join(dir, 'lg-params.json');
    const fit = await roulette(['fit', LG, '--data', lgData, '--steps', '5', '--out', lgParams, '--quiet']);
    expect(fit.code, fit.stderr).toBe(0);
    const other = await roulette(['eval', ...ES, '--params', lgParams, '--k', '10']);
    expect(other.code).toBe(1);
    expect(errorLines(other)).toEqual([
      `roulette: error: ${lgParams} does not hold this program's params: missing mu_loc, mu_scale, tau_loc, tau_scale, theta_loc, theta_scale; ` +
        "not params of this program: a, b, theta. Load a file saved by a fit of this program (or start without one).",
    ]);

    const mvn = join(dir, 'regression-mvn.json');
    expect((await roulette(['fit', ...REGRESSION, '--guide', 'auto:multivariateNormal', '--steps', '5', '--out', mvn, '--quiet'])).code).toBe(0);
    expect(JSON.parse(readFileSync(mvn, 'utf8')).meta).toEqual({ program: REGRESSION[0], guide: 'auto:multivariateNormal', estimator: 'elbo', steps: 5 });
    const withoutGuide = await roulette(['eval', ...REGRESSION, '--params', mvn, '--k', '10']);
    expect(withoutGuide.code).toBe(1);
    expect(errorLines(withoutGuide)[0]).toMatch(/not params of this program: .*auto\.tril.*The file was fitted with --guide auto:multivariateNormal and this run uses the program's guide block; pass --guide auto:multivariateNormal\.$/);
    const diagonal = await roulette(['summary', ...REGRESSION, '--params', mvn, '--draws', '10', '--guide', 'auto:normal']);
    expect(diagonal.code).toBe(1);
    expect(errorLines(diagonal)[0]).toMatch(/not params of this program: auto\.tril\. The file was fitted with --guide auto:multivariateNormal and this run uses auto:normal/);
    const same = await roulette(['eval', ...REGRESSION, '--params', mvn, '--k', '10', '--guide', 'auto:multivariateNormal', '--json']);
    expect(same.code, same.stderr).toBe(0);
  }, 60_000);

  it('fit --init keeps only the params that match and says which it ignored, on stderr and in --json', async () => {
    const lgParams = join(dir, 'lg-for-init.json');
    expect((await roulette(['fit', LG, '--data', lgData, '--steps', '5', '--out', lgParams, '--quiet'])).code).toBe(0);
    const out = join(dir, 'regression-from-lg.json');
    const r = await roulette(['fit', ...REGRESSION, '--steps', '5', '--init', lgParams, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { init: { loaded: number; ignored: string[]; fresh: string[]; resumedAt: number | null } };
    expect(summary.init).toMatchObject({ loaded: 0, ignored: ['a', 'b', 'theta'], resumedAt: null });
    expect(summary.init.fresh).toHaveLength(6);
    expect(r.stderr).toContain(`--init ${lgParams}: loaded 0 of the program's 6 params\n  ignored 3 not of this program: a, b, theta`);
    // The unrelated params are not copied into the output.
    expect(Object.keys(savedParams(out)).sort()).toEqual(['b_loc', 'b_scale', 'sigma_loc', 'sigma_scale', 'w_loc', 'w_scale']);
  }, 60_000);
});

describe('resuming a fit from its params file (issue 18 item 5)', () => {
  it('fit 200 steps == fit 100 + --init 100 (Adam state, step count, seed streams; with a schedule), to float tolerance', async () => {
    const common = ['--data', lgData, '--lr', '0.05', '--lr-schedule', 'cosine:200:0.001', '--seed', '3', '--quiet'];
    const whole = join(dir, 'whole.json');
    const half = join(dir, 'half.json');
    const resumed = join(dir, 'resumed.json');
    const runs = await Promise.all([roulette(['fit', LG, ...common, '--steps', '200', '--out', whole]), roulette(['fit', LG, ...common, '--steps', '100', '--out', half])]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(half, 'utf8')) as { optimizer: { name: string; iterations: number; slots: Record<string, { m: number[]; v: number[] }> } };
    expect(saved.optimizer.name).toBe('adam');
    expect(saved.optimizer.iterations).toBe(100);
    expect(Object.keys(saved.optimizer.slots).sort()).toEqual(['a', 'b', 'theta']);
    const r = await roulette(['fit', LG, ...common.filter((f) => f !== '--quiet'), '--steps', '100', '--init', half, '--out', resumed]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("resuming at step 100 with Adam's saved state");
    expect(JSON.parse(readFileSync(resumed, 'utf8')).meta.steps).toBe(200);
    const [a, b] = [savedParams(whole), savedParams(resumed)];
    for (const name of Object.keys(a)) {
      const gap = Math.max(...a[name]!.unconstrained.map((v, i) => Math.abs(v - b[name]!.unconstrained[i]!)));
      expect(gap, name).toBeLessThan(1e-6);
    }
    // Not trivially equal: the half-way params differ from the final ones.
    expect(Math.max(...savedParams(half)['theta']!.unconstrained.map((v, i) => Math.abs(v - a['theta']!.unconstrained[i]!)))).toBeGreaterThan(1e-3);
  }, 60_000);
});

describe('--lr-schedule and early stopping', () => {
  it('refuses malformed schedules as usage errors naming --lr-schedule', async () => {
    const cases = [
      ['cosin', "--lr-schedule: unknown schedule 'cosin'; use constant, exponential:RATE:STEPS, cosine[:STEPS[:LRMIN]] or warmup:STEPS"],
      ['exponential:0.5', '--lr-schedule exponential:0.5: expected exponential:RATE:STEPS'],
      ['exponential:-1:100', '--lr-schedule exponential:-1:100: rate must be a finite number > 0, got -1'],
      ['warmup:x', "--lr-schedule warmup:x: 'x' is not a number"],
      ['cosine:0', '--lr-schedule cosine:0: steps must be a finite number > 0, got 0'],
    ] as const;
    const results = await Promise.all(cases.map(([spec]) => roulette(['fit', LG, '--data', lgData, '--steps', '3', '--lr-schedule', spec, '--out', join(dir, 'never.json')])));
    cases.forEach(([spec, message], i) => expect([results[i]!.code, results[i]!.stderr.split('\n')[0]], spec).toEqual([2, `roulette: ${message}`]));
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  }, 60_000);

  it('a schedule changes the steps taken (warmup over a million steps barely moves the params), --patience stops early', async () => {
    const base = join(dir, 'no-schedule.json');
    const warm = join(dir, 'warmup.json');
    const args = ['--data', lgData, '--steps', '50', '--lr', '0.05', '--seed', '2', '--quiet'];
    const [plain, warmup] = await Promise.all([roulette(['fit', LG, ...args, '--out', base]), roulette(['fit', LG, ...args, '--lr-schedule', 'warmup:1000000', '--out', warm])]);
    expect([plain.code, warmup.code]).toEqual([0, 0]);
    // theta starts at 0; 50 Adam steps at lr 0.05 move it by about 50 * 0.05 at most, at lr <= 0.05 * 50 / 1e6 by < 1e-4.
    const moved = (path: string): number => Math.max(...savedParams(path)['theta']!.unconstrained.map(Math.abs));
    expect(moved(base)).toBeGreaterThan(0.1);
    expect(moved(warm)).toBeLessThan(1e-4);

    const r = await roulette(['fit', LG, '--data', lgData, '--steps', '100000', '--lr', '0.05', '--patience', '100', '--min-delta', '0.01', '--stop-window', '50', '--out', join(dir, 'early.json'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { steps: number; stoppedEarly: boolean };
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.steps).toBeLessThan(20000);
    const bad = await roulette(['fit', LG, '--data', lgData, '--steps', '10', '--min-delta', '0.1']);
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, 'roulette: --min-delta and --stop-window tune early stopping: give --patience N too']);
  }, 60_000);
});

describe('--out and --init on paths that are not regular files (issue 17 item 8)', () => {
  const fit = (out: string, extra: readonly string[] = []): Promise<Result> => roulette(['fit', LG, '--data', lgData, '--steps', '3', '--out', out, ...extra]);

  it('writes through a symbolic link (the link stays); refuses a directory and a FIFO before fitting, naming the path', async () => {
    const target = join(dir, 'target.json');
    writeFileSync(target, '{}');
    const link = join(dir, 'out-link.json');
    symlinkSync(target, link);
    const viaLink = await fit(link, ['--quiet']);
    expect(viaLink.code, viaLink.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(Object.keys(savedParams(target)).sort()).toEqual(['a', 'b', 'theta']);

    const folder = join(dir, 'out-folder');
    mkdirSync(folder);
    const d = await fit(folder);
    expect(d.code).toBe(1);
    expect(errorLines(d)).toEqual([`roulette: error: cannot save params to ${folder}: it is a directory, not a regular file; give the path of a regular file or of a new one`]);
    expect(d.stderr).not.toMatch(/^fit: /m); // refused before fitting
    expect(statSync(folder).isDirectory()).toBe(true);

    const fifo = join(dir, 'out-fifo');
    await new Promise((resolve) => execFile('mkfifo', [fifo], resolve));
    const f = await fit(fifo);
    expect(f.code).toBe(1);
    expect(errorLines(f)[0]).toContain(`cannot save params to ${fifo}: it is a named pipe (FIFO)`);
    expect(statSync(fifo).isFIFO()).toBe(true);
    // --init from a FIFO would block on the read: refused at once.
    const init = await fit(join(dir, 'fine.json'), ['--init', fifo]);
    expect(init.code).toBe(1);
    expect(errorLines(init)[0]).toContain(`cannot read params from ${fifo}: it is a named pipe (FIFO)`);
  }, 60_000);

  it('refuses a device node (mknod in the temp directory) and a link to it, and the node stays a device', async (context) => {
    const device = join(dir, 'null-device');
    const made = await new Promise<Error | null>((resolve) => execFile('mknod', [device, 'c', '1', '3'], (error) => resolve(error)));
    if (made) context.skip(`mknod needs root (uid ${process.getuid?.()}): ${made.message}`);
    const r = await fit(device);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`roulette: error: cannot save params to ${device}: it is a character device, not a regular file; give the path of a regular file or of a new one`]);
    const link = join(dir, 'link-to-device');
    symlinkSync(device, link);
    const viaLink = await fit(link);
    expect(errorLines(viaLink)[0]).toContain(`(a symbolic link to ${device}): it is a character device`);
    expect(statSync(device).isCharacterDevice()).toBe(true);
  }, 60_000);
});

describe('the progress line (issue 17 item 9)', () => {
  const fields = ['loss 1234.567', 'objective -1234.567', 'per datapoint -102.881', 'particles 10', 'guide.k 5', 'level 3', 'cost 1024', '123.4 steps/s', 'eta 1h02m'];

  it('fits the terminal: at most columns - 1 characters, dropping fields from the end but keeping the rate and eta', () => {
    for (const columns of [40, 60, 80, 100, 120]) {
      const line = progressLine('fit', 4321, 100000, fields, columns);
      expect(line.length, `${columns} columns: ${line}`).toBeLessThanOrEqual(columns - 1);
      expect(line).toMatch(/^fit   4321\/100000 /);
      if (columns >= 60) expect(line).toMatch(/123\.4 steps\/s {2}eta 1h02m$/);
    }
    expect(progressLine('fit', 4321, 100000, fields, 250)).toContain(fields.join('  ')); // everything on a wide terminal
    // Half way: the bar half full, whatever its width.
    const bar = /\[(#+)(-+)\]/.exec(progressLine('fit', 50, 100, fields, 80));
    expect(bar?.[1]?.length).toBe(bar?.[2]?.length);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const stream = { isTTY: false, columns: 80, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(100, stream, 'fit');
    for (let step = 1; step <= 100; step++) progress.update(step, { loss: '1.000' });
    progress.finish();
    expect(written).toEqual([]);
  });

  it('in an 80-column terminal (a pseudo-terminal from script(1)), every redraw fits in one row', async (context) => {
    const hasScript = await new Promise<boolean>((resolve) => execFile('script', ['--version'], (error) => resolve(!error)));
    if (!hasScript) context.skip('script(1) (util-linux) is not installed');
    const command = `stty cols 80 rows 24; exec ${process.execPath} --import tsx src/cli/main.ts fit ${LG} --data ${lgData} --estimator iwae --k 3 --steps 400 --out ${join(dir, 'tty.json')}`;
    const r = await new Promise<Result>((resolve) =>
      execFile('script', ['-qfec', command, '/dev/null'], { cwd: root, env }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr })),
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const redraws = r.stdout.split('\r\x1b[K').slice(1).map((s) => s.split(/\r?\n/)[0]!);
    expect(redraws.length).toBeGreaterThan(10);
    for (const line of redraws) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(redraws.at(-1)).toMatch(/^fit 400\/400 .*steps\/s {2}eta 0s$/);
  }, 60_000);
});

describe('Ctrl-C through npx (issue 17 item 9)', () => {
  // A project with roulette as its dependency: `npx roulette` runs its bin, here a shim that runs this
  // repository's sources (the installed package runs dist/cli/main.js the same way: npm exec -> sh -> node).
  function npxProject(): string {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'npx-signal-check', private: true, type: 'module' }));
    const bin = join(project, 'node_modules', '.bin', 'roulette');
    writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" --import "${join(root, 'node_modules/tsx/dist/loader.mjs')}" "${join(root, 'src/cli/main.ts')}" "$@"\n`);
    chmodSync(bin, 0o755);
    return project;
  }
  const npmEnv = Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig)$/i.test(key)));

  /** `npx roulette fit` in its own process group; `signal(child)` once the fit has run a little. */
  async function npxFit(out: string, signal: (pid: number) => void): Promise<{ exit: { code: number | null; signal: NodeJS.Signals | null }; stdout: string; stderr: string }> {
    const child = spawn('npx', ['--no', 'roulette', 'fit', join(root, LG), '--data', lgData, '--steps', '100000000', '--out', out], { cwd: npxProject(), env: npmEnv, detached: true });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let sent = false;
    try {
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (!sent && /^fit: .* 100000000 steps of elbo/m.test(stderr)) {
            sent = true;
            setTimeout(() => signal(child.pid!), 1500); // some steps first
          }
        });
        child.on('exit', (code, sig) => resolve({ code, signal: sig }));
      });
      expect(sent, stderr).toBe(true);
      return { exit, stdout, stderr };
    } finally {
      // The group outlives npx when only npx was signalled: wait for the fit to save, then end the group.
      const deadline = Date.now() + 20_000;
      while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  it('SIGINT to the process group of `npx roulette fit` (what Ctrl-C sends) stops the fit, saves the params, exits 130', async () => {
    const out = join(dir, 'npx-interrupted.json');
    const { exit, stdout, stderr } = await npxFit(out, (pid) => process.kill(-pid, 'SIGINT'));
    // npm exec re-raises the signal its child ended with, or passes on the exit code: 130 either way in a shell.
    expect(exit.code === 130 || exit.signal === 'SIGINT', `${JSON.stringify(exit)}\n${stderr}`).toBe(true);
    expect(stdout).toMatch(/interrupted after \d+ of 100000000 steps/);
    expect(Object.keys(savedParams(out)).sort()).toEqual(['a', 'b', 'theta']);
  }, 90_000);

  it('SIGTERM to the npx process alone ends npm and its sh; the fit sees its parent go, stops and saves', async () => {
    const out = join(dir, 'npx-terminated.json');
    await npxFit(out, (pid) => process.kill(pid, 'SIGTERM'));
    expect(existsSync(out)).toBe(true);
    expect(Object.keys(savedParams(out)).sort()).toEqual(['a', 'b', 'theta']);
  }, 90_000);
});
