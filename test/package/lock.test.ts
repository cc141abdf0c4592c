import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` (which .ci/run uses, with no fallback) installs exactly the lock, and refuses a lock that
 * disagrees with package.json or that lacks an entry for an optional dependency of a locked package
 * (rollup's and esbuild's per-platform builds: a lock written on one platform by an incremental
 * install can omit the others', and then `npm ci` stops with "Missing: @rollup/rollup-..."). Both are
 * checked here without a network; regenerate with `rm package-lock.json && npm install --package-lock-only`.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Entry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}
interface Lock {
  readonly name: string;
  readonly version: string;
  readonly lockfileVersion: number;
  readonly packages: Record<string, Entry>;
}

/** Node's lookup: `name` from the package at `path` resolves in its own node_modules, then its ancestors'. */
function resolvesIn(packages: Lock['packages'], path: string, name: string): boolean {
  let at = path;
  for (;;) {
    if (packages[`${at ? `${at}/` : ''}node_modules/${name}`]) return true;
    if (!at) return false;
    const up = at.lastIndexOf('/node_modules/');
    at = up < 0 ? '' : at.slice(0, up);
  }
}

/** Optional dependencies of locked packages that have no entry of their own. */
function missingOptional(lock: Lock): string[] {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolvesIn(lock.packages, path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
  }
  return missing;
}

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lock;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Entry & { name: string; version: string };

describe('package-lock.json', () => {
  it('matches package.json: name, version and every dependency range', () => {
    const top = lock.packages['']!;
    expect([lock.name, lock.version, lock.lockfileVersion]).toEqual([pkg.name, pkg.version, 3]);
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const) {
      expect(top[field] ?? {}, field).toEqual(pkg[field] ?? {});
    }
  });

  it("has an entry for every optional dependency of every locked package (every platform's builds)", () => {
    expect(missingOptional(lock)).toEqual([]);
    // The check sees the failure it is for: rollup's per-platform builds, one taken away.
    const rollup = Object.keys(lock.packages).find((p) => /^node_modules\/@rollup\/rollup-linux-x64-gnu$/.test(p));
    expect(rollup).toBeDefined();
    const packages = { ...lock.packages };
    delete packages[rollup!];
    expect(missingOptional({ ...lock, packages })).toEqual(['node_modules/rollup -> @rollup/rollup-linux-x64-gnu']);
  });
});
