import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: `npm pack`, then the tarball installed into an empty project with the
 * README's `npm install roulette-ppl @tensorflow/tfjs` (the tarball for the name). Its dependencies come
 * from npm's cache when it has them (--prefer-offline), else from the registry; the install step builds
 * the native kernels from the shipped sources. Then the README's first example and `npx roulette check`
 * run from the installed package, not from this repository's sources. Slow (a build, an install and a
 * C++ compile: about 30 s here), hence a file of its own.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'roulette-install-'));
const project = join(work, 'project');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Under `npm test` the environment describes this repository (npm_package_*, npm_config_local_prefix,
// ...); a child npm must see only the user's npm settings (cache, registry, config file).
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig)$/i.test(key)),
);
delete env.INIT_CWD;

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(command, [...args], { cwd, env, maxBuffer: 64 << 20, timeout: 8 * 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
/** The tfjs this repository tests with: the version npm's cache most likely holds. */
const tfjsVersion = (JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')) as { version: string }).version;
/** tsx as the repository has it, for `npx tsx` in the project (a user's usual way to run a .ts file). */
const tsxVersion = (JSON.parse(readFileSync(join(root, 'node_modules/tsx/package.json'), 'utf8')) as { version: string }).version;
let install: Run;
let tarballFiles: string[];

beforeAll(async () => {
  mkdirSync(project, { recursive: true });
  // `npm pack` runs `prepare` (the build), as `npm publish` does.
  const pack = await run('npm', ['pack', '--json', '--pack-destination', work], root);
  expect(pack.code, `npm pack failed:\n${pack.stderr}`).toBe(0);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarballFiles = packed!.files.map((f) => f.path);
  const tarball = join(work, packed!.filename);
  // npm >= 12 runs a dependency's install step only once approved (what `npm approve-scripts` writes);
  // npm 11 runs it anyway and only warns.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'roulette-install-check', private: true, type: 'module', allowScripts: { [`file:${tarball}`]: true } }));
  install = await run('npm', ['install', tarball, `@tensorflow/tfjs@${tfjsVersion}`, `tsx@${tsxVersion}`, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], project);
  expect(install.code, `npm install of the tarball failed:\n${install.stderr}`).toBe(0);
}, 10 * 60_000);

describe(`the packed ${pkg.name} installed into an empty project`, () => {
  it('ships the build, the native sources and the install step, and no sources or tests', () => {
    expect(pkg.name).toBe('roulette-ppl');
    for (const file of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/inference/index.js', 'dist/dsl/lang/index.js', 'dist/cli/main.js', 'native/install.mjs', 'native/addon.cc', 'binding.gyp']) {
      expect(tarballFiles, file).toContain(file);
    }
    expect(tarballFiles.filter((f) => /^(src|test|examples|gallery|bench|scripts)\//.test(f))).toEqual([]);
  });

  it('builds the native kernels at install when this machine can (as it did for the repository)', async () => {
    const installed = join(project, 'node_modules', pkg.name);
    expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(pkg.version);
    const canBuild = existsSync(join(root, 'build/Release/roulette_fast.node')) && process.env.ROULETTE_NATIVE !== '0';
    if (!canBuild) return;
    expect(install.stdout, 'the install step reports its native build').toMatch(/roulette: built native kernels/);
    expect(existsSync(join(installed, 'build/Release/roulette_fast.node'))).toBe(true);
    const probe = join(project, 'kernels.mjs');
    writeFileSync(probe, `import { activeKernelSet, ready } from '${pkg.name}';\nawait ready();\nconsole.log(activeKernelSet());\n`);
    const r = await run(process.execPath, [probe], project);
    expect([r.code, r.stdout.trim()], r.stderr).toEqual([0, 'native']);
  });

  it("runs the README's first example and finds the exact posterior", async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toContain(`from '${pkg.name}'`);
    writeFileSync(join(project, 'quickstart.ts'), block!);
    const r = await run(join(root, 'node_modules/.bin/tsx'), ['quickstart.ts'], project);
    expect(r.code, r.stderr).toBe(0);
    const m = /posterior mean (\S+) sd (\S+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // exact posterior: precision 1/100 + 5/0.25, mean (10.5 / 0.25) / precision (as test/docs/readme.test.ts)
    const precision = 1 / 100 + 5 / 0.25;
    expect(Math.abs(Number(m![1]) - 42 / precision)).toBeLessThan(0.05);
    expect(Math.abs(Number(m![2]) * Math.sqrt(precision) - 1)).toBeLessThan(0.15);
  });

  it("type-checks the README's first example against the installed declarations", async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: true }, files: ['quickstart.ts'] }),
    );
    if (!existsSync(join(project, 'quickstart.ts'))) writeFileSync(join(project, 'quickstart.ts'), /```ts\n([\s\S]*?)```/.exec(readme)![1]!);
    const r = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("npx roulette check passes the README's program and reports a broken one with its position", async () => {
    // The README's .ppl program: its four-space-indented block with a model.
    const program = readme
      .split(/\n(?! {4})/)
      .map((chunk) => chunk.split('\n').filter((l) => l.startsWith('    ')).map((l) => l.slice(4)).join('\n'))
      .find((text) => text.includes('model {'));
    expect(program).toBeDefined();
    writeFileSync(join(project, 'vae.ppl'), `${program}\n`);
    const ok = await run('npx', ['roulette', 'check', 'vae.ppl'], project);
    expect([ok.code, ok.stdout.trim()], ok.stderr).toEqual([0, 'vae.ppl: ok']);
    writeFileSync(join(project, 'bad.ppl'), 'data x: real[N]\nmodel { plate data(N) { x ~ normal(mu, 1) } }\n');
    const bad = await run('npx', ['roulette', 'check', 'bad.ppl'], project);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("bad.ppl:2:36: error[undefined-name]: 'mu' is not defined");
  });

  it("prints a user's uncaught error as Node does, through node and npx tsx (exit code 1, no wasm glue)", async () => {
    const script = [
      `import { dist, observe, param, ready, sample } from '${pkg.name}';`,
      `import { elbo, svi } from '${pkg.name}/inference';`,
      'await ready();',
      "const model = () => { const z = sample('z', dist.normal(0, 1)); observe('x', dist.normal(z, 1), 1.5); };",
      "const guide = () => { sample('z', dist.normal(param('z.loc', 0), 1)); };",
      'svi(model, guide, { estimator: elbo(), seed: 0 }).step();',
      "throw new Error('my own mistake');",
      '',
    ].join('\n');
    writeFileSync(join(project, 'fails.mjs'), script);
    writeFileSync(join(project, 'fails.ts'), script);
    for (const [command, args] of [[process.execPath, ['fails.mjs']], ['npx', ['tsx', 'fails.ts']]] as const) {
      const r = await run(command, args, project);
      expect(r.code, `${args.join(' ')}: ${r.stderr.slice(0, 2000)}`).toBe(1);
      expect(r.stderr).toMatch(/Error: my own mistake\n\s+at /);
      expect(r.stderr).not.toMatch(/WasmBackendModule|tfjs-backend-wasm/);
      expect(r.stderr.length).toBeLessThan(4000);
    }
  });
});
