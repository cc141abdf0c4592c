import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { writeIdx } from '../../src/cli/data/idx.js';
import { Stream } from '../../src/runtime/rng.js';

/**
 * The `roulette` command end to end, in child processes: check, fit (JSON, CSV and IDX data), eval
 * on fit's output, Ctrl-C, and one-line errors for bad data files.
 */

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'roulette-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node --import tsx src/cli/main.ts ...`: what `npx tsx src/cli/main.ts` runs, without npx's startup. */
function roulette(args: readonly string[], viaNpx = false): Promise<Result> {
  const [command, prefix] = viaNpx ? ['npx', ['tsx']] : [process.execPath, ['--import', 'tsx']];
  return new Promise((resolve) => {
    execFile(command, [...prefix, 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ROULETTE_BACKEND: 'wasm' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n') });
    });
  });
}

const file = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const stream = Stream.fromSeed('cli-data');
const points = Array.from({ length: 12 }, () => [0, 1, 2].map((m) => m + stream.normal() * 1.4));
const lgData = file('lg.json', JSON.stringify({ x: points }));
const errorLines = (r: Result): string[] => r.stderr.split('\n').filter((l) => l.startsWith('roulette: error'));

describe('roulette check', () => {
  it('passes a valid program and reports errors with positions (exit 1), also as JSON', async () => {
    const ok = await roulette(['check', 'examples/gaussian-mixture/model.ppl']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe('examples/gaussian-mixture/model.ppl: ok');
    const bad = file('bad.ppl', 'data x: real[N]\nmodel { plate data(N) { x ~ normal(mu, 1) } }\nguide { }\n');
    const r = await roulette(['check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:2:36: error[undefined-name]: 'mu' is not defined`);
    const j = await roulette(['check', bad, '--json']);
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.stdout) as { ok: boolean; diagnostics: { code: string; line: number; column: number }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.diagnostics[0]).toMatchObject({ code: 'undefined-name', line: 2, column: 36 });
  });
});

describe('automatic guides', () => {
  it('a file without a guide block is fitted with autoGuide(normal); --guide auto:<family> replaces a guide', async () => {
    const text = readFileSync(join(root, 'examples/linear-gaussian/model.ppl'), 'utf8');
    const noGuide = join(dir, 'no-guide.ppl');
    writeFileSync(noGuide, text.replace(/guide\s*\{[\s\S]*\}\s*$/, ''));
    const checked = await roulette(['check', noGuide]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('no guide block: fit and eval use --guide auto:normal');
    const out = join(dir, 'auto-params.json');
    const fit = await roulette(['fit', noGuide, '--data', lgData, '--steps', '20', '--lr', '0.05', '--out', out, '--json']);
    expect(fit.code, fit.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { params: Record<string, { role: string }> };
    expect(Object.keys(saved.params).some((name) => name.startsWith('auto.loc.'))).toBe(true);
    const delta = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--guide', 'auto:delta', '--data', lgData, '--steps', '5', '--out', join(dir, 'delta.json'), '--quiet']);
    expect(delta.code, delta.stderr).toBe(0);
    const bad = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--guide', 'auto:nonsense', '--data', lgData, '--steps', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--guide must be auto:<family>/);
  });
});

describe('roulette fit and eval', () => {
  it('fits the linear Gaussian model from JSON data and evaluates the saved params', async () => {
    const out = join(dir, 'lg-params.json');
    const fit = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--data', lgData, '--estimator', 'iwae', '--k', '3', '--steps', '30', '--lr', '0.05', '--seed', '1', '--out', out, '--json'], true);
    expect(fit.stderr).toBe('');
    expect(fit.code).toBe(0);
    const summary = JSON.parse(fit.stdout) as { steps: number; interrupted: boolean; objective: number; params: string };
    expect(summary).toMatchObject({ steps: 30, interrupted: false, params: out });
    expect(Number.isFinite(summary.objective)).toBe(true);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { params: Record<string, { role: string }> };
    expect(Object.keys(saved.params).sort()).toEqual(['a', 'b', 'theta']);
    expect(saved.params['theta']!.role).toBe('model');

    const evaluated = await roulette(['eval', 'examples/linear-gaussian/model.ppl', '--data', lgData, '--params', out, '--k', '50', '--json']);
    expect(evaluated.code).toBe(0);
    const ll = JSON.parse(evaluated.stdout) as { datapoints: number; mean: number; perDatapoint: number[] };
    expect(ll.datapoints).toBe(12);
    expect(ll.perDatapoint).toHaveLength(12);
    expect(ll.mean).toBeLessThan(0);
    expect(ll.mean).toBeGreaterThan(-20);
    const text = await roulette(['eval', 'examples/linear-gaussian/model.ppl', '--data', lgData, '--params', out, '--k', '20', '--batch', '5']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^# datapoint\tlog-likelihood \(IWAE, k = 20\)\n0\t-\d+\.\d{4}\n/);
    expect(text.stdout).toMatch(/mean log-likelihood -\d+\.\d{4} nats per datapoint over 12 datapoints\n$/);
  });

  it('reads CSV (named columns) with minibatches, and IDX.gz (NAME=PATH)', async () => {
    const rows = points.map((p) => `${p[0]},${p[1]},${p[0]! - 2 * p[1]! + 0.1 * p[2]!}`);
    const csv = file('regression.csv', `X.1,X.2,y\n${rows.join('\n')}\n`);
    const r = await roulette(['fit', 'examples/bayesian-regression/model.ppl', '--data', csv, '--steps', '5', '--batch', '4', '--out', join(dir, 'r.json'), '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 steps of elbo/);
    const idx = file('x.idx.gz', gzipSync(writeIdx(points.flat(), [12, 3])));
    const s = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--data', `x=${idx}`, '--steps', '3', '--estimator', 'mlrr', '--r', '0.6', '--out', join(dir, 'i.json'), '--quiet']);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
  });

  it.each([
    ['rws', '--k', '4', '--dreg'],
    ['cisir', '--k', '4', '--lag', '2', '--refine', '3'],
    ['cisir', '--k', '4', '--lag', '2', '--plain-isir'],
    ['cisir', '--k', '4', '--lag', '2', '--t0', '3', '--window', '4'],
  ])('fits with --estimator %s', async (...flags) => {
    const r = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--data', lgData, '--steps', '3', '--estimator', ...flags, '--out', join(dir, `${flags.join('')}.json`), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number.isFinite((JSON.parse(r.stdout) as { objective: number }).objective)).toBe(true);
  });

  it('Ctrl-C stops the fit, saves the params and exits with 130', async () => {
    const out = join(dir, 'interrupted.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fit', 'examples/linear-gaussian/model.ppl', '--data', lgData, '--steps', '1000000', '--out', out], { cwd: root, env: { ...process.env, ROULETTE_BACKEND: 'wasm' } });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Off a terminal there is no progress line, only the line saying the fit started.
        if (!sent && /^fit: .* 1000000 steps of elbo/m.test(stderr)) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 1000); // some steps first
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stdout).toMatch(/interrupted after \d+ of 1000000 steps/);
    expect(existsSync(out)).toBe(true);
  });
});

describe('bad data files give one line naming the file and the problem', () => {
  it('a missing file', async () => {
    const missing = join(dir, 'nope.json');
    const r = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--data', missing, '--steps', '1']);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`roulette: error: ${missing}: not found`]);
  });

  it('a wrong shape', async () => {
    const wrong = file('wrong.json', JSON.stringify({ x: [[0, 1, 1], [1, 0, 0]] }));
    const r = await roulette(['fit', 'examples/vae-mnist/model.ppl', '--data', wrong, '--steps', '1']);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`roulette: error: ${wrong}: data 'x' has shape [2, 3] but is declared x: bool[N, 784]: dim 2 is 3, expected 784`]);
  });

  it('sizes that disagree between files', async () => {
    const X = file('X.csv', '1,2\n3,4\n5,6\n');
    const y = file('y.csv', '1\n2\n');
    const r = await roulette(['fit', 'examples/bayesian-regression/model.ppl', '--data', `X=${X}`, '--data', `y=${y}`, '--steps', '1']);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`roulette: error: ${y}: size N is 3 from data 'X' but 2 from data 'y' (declared y: real[N])`]);
  });

  it('a NaN', async () => {
    const nan = file('nan.csv', 'x.1,x.2\n1,2\n3,NaN\n');
    const r = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--data', nan, '--steps', '1']);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`roulette: error: ${nan}: line 3, column 'x.2' is 'NaN', not a number`]);
  });

  it('grey levels where the model declares bool', async () => {
    const grey = file('grey.idx', writeIdx(Array.from({ length: 2 * 784 }, (_, i) => i % 256), [2, 28, 28]));
    const r = await roulette(['fit', 'examples/vae-mnist/model.ppl', '--data', grey, '--steps', '1']);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`roulette: error: ${grey}: 'x' at index [0, 0, 2] is 2, not 0 or 1 (use --binarize to threshold grey levels) (declared x: bool[N, 784])`]);
  });
});

describe('usage', () => {
  it('--help, an unknown estimator, an option of another estimator', async () => {
    const help = await roulette(['fit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: roulette fit FILE --data PATH');
    const unknown = await roulette(['fit', 'examples/linear-gaussian/model.ppl', '--data', lgData, '--estimator', 'vi']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("roulette: unknown estimator 'vi'; use one of elbo, iwae, rws, sumo, mlss, mlrr, cisir");
  });
});

describe('roulette summary', () => {
  it('summarises an IWAE fit of eight schools: the guide draws as a table, and reweighted (PSIS) as JSON near the exact posterior', async () => {
    const model = 'examples/eight-schools/model.ppl';
    const data = 'examples/eight-schools/data.json';
    const out = join(dir, 'eight-schools.json');
    const fit = await roulette(['fit', model, '--data', data, '--estimator', 'iwae', '--k', '10', '--steps', '1500', '--lr', '0.01', '--seed', '0', '--out', out, '--quiet']);
    expect(fit.code, fit.stderr).toBe(0);

    const table = await roulette(['summary', model, '--data', data, '--params', out, '--draws', '2000', '--site', 'mu', '--site', 'theta_tilde']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toBe(`# ${model}: 2000 draws from the guide (not reweighted: a proposal's draws; --reweight for PSIS)`);
    expect(lines[1]!.split(/\s+/)).toEqual(['site', 'mean', 'sd', 'mcse', '5%', '50%', '95%']);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['mu', ...Array.from({ length: 8 }, (_, j) => `theta_tilde[${j}]`)]);

    const json = await roulette(['summary', model, '--data', data, '--params', out, '--draws', '20000', '--reweight', '--seed', '1', '--json']);
    expect(json.code, json.stderr).toBe(0);
    interface Site { name: string; support: string; shape: number[]; mean: number[]; sd: number[]; mcseMean: number[]; quantiles: Record<string, number[]> }
    const r = JSON.parse(json.stdout) as { draws: number; reweighted: boolean; diagnostics: { khat: number; khatThreshold: number; ess: number }; sites: Site[]; warnings: string[] };
    expect(r).toMatchObject({ draws: 20000, reweighted: true, warnings: [] });
    expect(r.diagnostics.khat).toBeLessThan(r.diagnostics.khatThreshold);
    expect(r.diagnostics.ess).toBeGreaterThan(1000);
    const site = (name: string): Site => r.sites.find((s) => s.name === name)!;
    expect(site('tau')).toMatchObject({ support: 'positive numbers', shape: [] });
    expect(site('theta_tilde').shape).toEqual([8]);
    expect(Object.keys(site('tau').quantiles)).toEqual(['5%', '50%', '95%']);
    // The exact posterior means (quadrature, test/helpers/eight-schools.ts): mu 4.397, tau 3.598.
    expect(Math.abs(site('mu').mean[0]! - 4.397)).toBeLessThan(3 * site('mu').mcseMean[0]!);
    expect(Math.abs(site('tau').mean[0]! - 3.598)).toBeLessThan(3 * site('tau').mcseMean[0]!);

    const missing = await roulette(['summary', model, '--data', data]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('give the fitted params with --params PATH');
    const unknown = await roulette(['summary', model, '--data', data, '--params', out, '--draws', '10', '--site', 'tua']);
    expect(unknown.code).toBe(1);
    expect(errorLines(unknown)).toEqual([`roulette: error: --site tua: no such latent in ${model} (its latents: mu, tau, theta_tilde)`]);
  }, 60_000);
});
