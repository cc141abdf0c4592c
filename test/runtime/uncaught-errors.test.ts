import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A user's own uncaught error must print as Node prints it (their message and stack, exit code 1).
 * The wasm backend's Emscripten glue installs process handlers that rethrow from inside the handler:
 * Node then printed the 38 KB line of minified glue the throw came from and exited with code 7.
 * `ready()` takes those handlers off again (src/runtime/backend.ts). The installed package is checked
 * the same way, through `node`, in test/package/install.test.ts.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(root, 'test', '.uncaught-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A script that initialises the backend, fits one step, then fails in the way `how` says. */
function userScript(how: string): string {
  return [
    `import { dist, observe, param, ready, sample } from '${join(root, 'src/index.js')}';`,
    `import { elbo, svi } from '${join(root, 'src/inference/index.js')}';`,
    'await ready();',
    "const model = () => { const z = sample('z', dist.normal(0, 1)); observe('x', dist.normal(z, 1), 1.5); };",
    "const guide = () => { sample('z', dist.normal(param('z.loc', 0), 1)); };",
    'svi(model, guide, { estimator: elbo(), seed: 0 }).step();',
    how,
    '',
  ].join('\n');
}

function runTsx(file: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(join(root, 'node_modules/.bin/tsx'), [file], { cwd: work, maxBuffer: 16 << 20, timeout: 120_000 }, (error, _stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

const failures = {
  'a throw at the top level': "throw new Error('my own mistake');",
  'a throw in a timer': "setTimeout(() => { throw new Error('my own mistake'); }, 1);",
  'an unhandled rejection': "void Promise.reject(new Error('my own mistake'));",
};

describe("a user's uncaught error after the wasm backend is up", () => {
  for (const [name, how] of Object.entries(failures)) {
    it(`${name}: the user's message and stack, exit code 1, no wasm glue`, async () => {
      const file = join(work, `${name.replace(/\W+/g, '-')}.ts`);
      writeFileSync(file, userScript(how));
      const r = await runTsx(file);
      expect(r.code, r.stderr.slice(0, 2000)).toBe(1);
      expect(r.stderr).toMatch(/Error: my own mistake\n\s+at /);
      expect(r.stderr).toContain(file);
      expect(r.stderr).not.toMatch(/WasmBackendModule|tfjs-backend-wasm/);
      expect(r.stderr.length).toBeLessThan(4000);
    }, 150_000);
  }
});
