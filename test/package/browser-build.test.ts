/**
 * roulette's browser build: its entry points, bundled by Vite for the browser, import no Node
 * built-in and touch no bare Node global. Node-only code (native kernels, param files, tfjs-node) is
 * reached through variable import specifiers and `globalThis.process` guards, which bundlers leave
 * alone. Third-party packages stay external here: the playground test bundles them and runs the
 * result in Chromium.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The package's entry points (the estimator registry the playground reads is part of inference). */
const ENTRIES = { index: 'src/index.ts', inference: 'src/inference/index.ts', lang: 'src/dsl/lang/index.ts' };
const BUILTINS = new Set(builtinModules);

const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);

/** Records every Node built-in a module of roulette imports (statically or with a literal `import()`). */
function builtinWatch(found: string[]): Plugin {
  return {
    name: 'roulette:node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (isBuiltin(source)) {
        found.push(`${source} (imported by ${importer?.slice(ROOT.length) ?? 'an entry'})`);
        return { id: source, external: true };
      }
      const relative = source.startsWith('.') || source.startsWith('/');
      return relative || importer === undefined ? null : { id: source, external: true };
    },
  };
}

describe('the browser build of roulette', () => {
  it('imports no Node built-in and uses process only through globalThis', async () => {
    const found: string[] = [];
    const result = (await build({
      configFile: false,
      root: ROOT,
      logLevel: 'silent',
      plugins: [builtinWatch(found)],
      build: { write: false, minify: false, lib: { entry: ENTRIES, formats: ['es'] } },
    })) as Rollup.RollupOutput[];
    expect(found, 'Node built-ins on the browser path').toEqual([]);

    const chunks = result.flatMap((r) => r.output).filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
    expect(chunks.map((c) => c.fileName)).toEqual(expect.arrayContaining(['index.js', 'inference.js', 'lang.js']));
    // roulette's one side-effect module survives tree-shaking (package.json's sideEffects lists it for
    // src/ as well as dist/): without it no primitive samples, looks up params or subsamples.
    expect(chunks.some((c) => c.code.includes('setDefaultAction(defaultAction)')), 'default actions installed').toBe(true);
    for (const chunk of chunks) {
      // Rollup keeps a literal `import('node:x')` it could not resolve; a bare `process` / `Buffer`
      // throws a ReferenceError in a browser the moment its line runs.
      const offending = chunk.code.split('\n').filter((line) => /(\bfrom\s*|\bimport\(\s*)["']node:|\brequire\(|(?<![.\w$])(process|Buffer)\s*[.[]|(?<![.\w$])(__dirname|__filename|setImmediate)\b/.test(line));
      expect(offending, chunk.fileName).toEqual([]);
    }
  });
});
