import { fail } from './errors.js';
import type { ParamSnapshot, ParamStore } from './param-store.js';

/**
 * Saving and loading params as JSON (Node only). Writes are atomic: a temp file in the same folder,
 * then rename, so a crash mid-write leaves the previous file intact.
 *
 * This module is reachable from roulette's main entry, so Node's file modules are imported on demand
 * through variable specifiers: browser bundlers follow a literal `import('node:fs/promises')` (Vite
 * swaps in an empty stub and warns). test/browser-build.test.ts checks it.
 */

/** Node's file modules; in a browser, an error that says what to use instead. */
async function nodeFiles(): Promise<{ fs: typeof import('node:fs/promises'); path: typeof import('node:path') }> {
  if (globalThis.process?.versions?.node === undefined) {
    fail('io-error', 'saving and loading params as files needs Node; in a browser keep getParamStore().snapshot() and give it back with .restore(snapshot)', 'params');
  }
  const fsSpecifier = 'node:fs/promises';
  const pathSpecifier = 'node:path';
  return {
    fs: (await import(/* @vite-ignore */ fsSpecifier)) as typeof import('node:fs/promises'),
    path: (await import(/* @vite-ignore */ pathSpecifier)) as typeof import('node:path'),
  };
}

export async function saveParams(store: ParamStore, path: string): Promise<void> {
  const { fs, path: paths } = await nodeFiles();
  const text = JSON.stringify(store.snapshot());
  const tmp = `${path}.${globalThis.process.pid}.${Date.now()}.tmp`;
  try {
    await fs.mkdir(paths.dirname(path), { recursive: true });
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, path);
  } catch (cause) {
    await fs.rm(tmp, { force: true });
    fail('io-error', `could not save params to ${path}: ${String(cause)}`, path);
  }
}

export async function loadParams(store: ParamStore, path: string): Promise<void> {
  const { fs } = await nodeFiles();
  let snapshot: ParamSnapshot;
  try {
    snapshot = JSON.parse(await fs.readFile(path, 'utf8')) as ParamSnapshot;
  } catch (cause) {
    fail('io-error', `could not read params from ${path}: ${String(cause)}`, path);
  }
  store.restore(snapshot);
}
