import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/design.md's layers: imports point downwards only. Each source file's layer may import from the
 * layers listed for it (and from itself); `src/index.ts`, the package entry, may import anything.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  runtime: [],
  dsl: ['runtime'],
  lang: ['dsl', 'runtime'],
  inference: ['dsl', 'runtime'],
  cli: ['inference', 'lang', 'dsl', 'runtime'],
};

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

function layerOf(path: string): string {
  const p = relative(root, path).split('\\').join('/');
  if (p.startsWith('src/dsl/lang/')) return 'lang';
  const top = /^src\/([^/]+)\//.exec(p)?.[1];
  return top ?? 'entry';
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports in a file's text (static, dynamic and re-exports), as absolute paths. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => normalize(join(dirname(file), m[1]!)));
}

/** `from -> to` for every import that points up or sideways between layers. */
function upwardImports(files: readonly string[], read = (file: string) => readFileSync(file, 'utf8')): string[] {
  return files.flatMap((file) => {
    const from = layerOf(file);
    const allowed = ALLOWED[from];
    if (!allowed) return [];
    return importsOf(file, read(file))
      .filter((target) => {
        const to = layerOf(target);
        return to !== from && !allowed.includes(to);
      })
      .map((target) => `${relative(root, file)} (${from}) imports ${relative(root, target)} (${layerOf(target)})`);
  });
}

describe('layers (docs/design.md)', () => {
  const files = sources(join(root, 'src'));

  it('every source file belongs to a known layer', () => {
    expect(files.length).toBeGreaterThan(100);
    const unknown = files.map(layerOf).filter((l) => l !== 'entry' && !(l in ALLOWED));
    expect(unknown).toEqual([]);
  });

  it('imports point downwards only: the runtime knows nothing above it, inference never imports the language', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('the check sees an upward import and an import of the language from inference', () => {
    const fake: Record<string, string> = {
      [join(root, 'src/runtime/fake.ts')]: "import { normal } from '../dsl/distributions/normal.js';",
      [join(root, 'src/inference/fake.ts')]: "export { parse } from '../dsl/lang/index.js';\nimport { sample } from '../dsl/primitives.js';",
      [join(root, 'src/dsl/fake.ts')]: "const m = await import('../runtime/rng.js');",
    };
    expect(upwardImports(Object.keys(fake), (f) => fake[f]!)).toEqual([
      'src/runtime/fake.ts (runtime) imports src/dsl/distributions/normal.js (dsl)',
      'src/inference/fake.ts (inference) imports src/dsl/lang/index.js (lang)',
    ]);
  });
});
