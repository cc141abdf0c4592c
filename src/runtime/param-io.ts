import { fail } from './errors.js';
import type { ParamSnapshot, ParamStore } from './param-store.js';

/**
 * Saving and loading params as JSON (Node only: `node:fs` is imported on demand so browser bundles of
 * roulette never load it). Writes are atomic: a temp file in the same folder, then rename, so a crash
 * mid-write leaves the previous file intact.
 */
export async function saveParams(store: ParamStore, path: string): Promise<void> {
  const { writeFile, rename, mkdir, rm } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const text = JSON.stringify(store.snapshot());
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    fail('io-error', `could not save params to ${path}: ${String(cause)}`, path);
  }
}

export async function loadParams(store: ParamStore, path: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  let snapshot: ParamSnapshot;
  try {
    snapshot = JSON.parse(await readFile(path, 'utf8')) as ParamSnapshot;
  } catch (cause) {
    fail('io-error', `could not read params from ${path}: ${String(cause)}`, path);
  }
  store.restore(snapshot);
}
