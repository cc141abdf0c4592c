import { fail } from './errors.js';
import type { ParamFileExtras, ParamSnapshot, ParamStore } from './param-store.js';

/**
 * Saving and loading params as JSON (Node only). Writes are atomic: a temp file next to the target,
 * then rename, so a crash mid-write leaves the previous file intact. A rename replaces whatever the
 * target is, so the target is resolved first: a symbolic link is followed and its target written (the
 * link stays), and anything but a regular file (a directory, a device such as /dev/null, a FIFO, a
 * socket) is refused before anything is written. Reads refuse the same (a FIFO or a device would
 * block or never end).
 *
 * This module is reachable from roulette's main entry, so Node's file modules are imported on demand
 * through variable specifiers: browser bundlers follow a literal `import('node:fs/promises')` (Vite
 * swaps in an empty stub and warns). test/package/browser-build.test.ts checks it.
 */

type Fs = typeof import('node:fs/promises');
type Paths = typeof import('node:path');
type Stats = import('node:fs').Stats;

/** Node's file modules; in a browser, an error that says what to use instead. */
async function nodeFiles(): Promise<{ fs: Fs; path: Paths }> {
  if (globalThis.process?.versions?.node === undefined) {
    fail('io-error', 'saving and loading params as files needs Node; in a browser keep getParamStore().snapshot() and give it back with .restore(snapshot)', 'params');
  }
  const fsSpecifier = 'node:fs/promises';
  const pathSpecifier = 'node:path';
  return {
    fs: (await import(/* @vite-ignore */ fsSpecifier)) as Fs,
    path: (await import(/* @vite-ignore */ pathSpecifier)) as Paths,
  };
}

/** What a file system entry that is not a regular file is, for messages. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A path must be a non-empty string (a number or undefined would become a file named 'undefined'). */
function checkPath(path: unknown, purpose: string): asserts path is string {
  if (typeof path !== 'string' || path === '') fail('invalid-argument', `cannot ${purpose} a file: the path must be a non-empty string, got ${typeof path === 'string' ? "''" : String(path)}`, 'path');
}

const errno = (cause: unknown): string | undefined => (cause as NodeJS.ErrnoException | undefined)?.code;

/** Where a write to `path` must go: `path` itself, or the end of its chain of symbolic links. */
interface WriteTarget {
  readonly path: string;
  /** The existing file's mode (kept by the replacement), undefined for a new file. */
  readonly mode: number | undefined;
}

const MAX_LINKS = 40; // as Linux's ELOOP limit

async function writeTarget(fs: Fs, paths: Paths, path: string, purpose: string): Promise<WriteTarget> {
  checkPath(path, purpose);
  let target = paths.resolve(path);
  for (let links = 0; ; links++) {
    let stats: Stats;
    try {
      stats = await fs.lstat(target);
    } catch (cause) {
      if (errno(cause) === 'ENOENT') return { path: target, mode: undefined }; // a new file (maybe a dangling link's target)
      fail('io-error', `cannot ${purpose} ${path}: ${String(cause)}`, path);
    }
    if (stats.isSymbolicLink()) {
      if (links >= MAX_LINKS) fail('io-error', `cannot ${purpose} ${path}: more than ${MAX_LINKS} symbolic links in a row (a loop?)`, path);
      target = paths.resolve(paths.dirname(target), await fs.readlink(target));
      continue;
    }
    if (stats.isFile()) return { path: target, mode: stats.mode & 0o7777 };
    const via = target === paths.resolve(path) ? '' : ` (a symbolic link to ${target})`;
    fail('io-error', `cannot ${purpose} ${path}${via}: it is ${kindOf(stats)}, not a regular file; give the path of a regular file or of a new one`, path);
  }
}

/**
 * Check that params can be saved to `path` (a regular file, a new file, or a symbolic link to one),
 * without writing: a fit checks its output before hours of work rather than after.
 */
export async function checkSaveTarget(path: string): Promise<void> {
  const { fs, path: paths } = await nodeFiles();
  await writeTarget(fs, paths, path, 'save params to');
}

/** Write `text` to `path` atomically, through symbolic links, refusing non-regular files. */
export async function writeFileAtomic(path: string, text: string, purpose = 'write'): Promise<void> {
  const { fs, path: paths } = await nodeFiles();
  const target = await writeTarget(fs, paths, path, purpose);
  const dir = paths.dirname(target.path);
  // Next to the target, so the rename stays on one file system; 'wx' never follows a planted link.
  const tmp = paths.join(dir, `.${paths.basename(target.path)}.${globalThis.process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(tmp, text, { encoding: 'utf8', flag: 'wx', ...(target.mode === undefined ? {} : { mode: target.mode }) });
    if (target.mode !== undefined) await fs.chmod(tmp, target.mode); // the umask narrowed writeFile's mode
    await fs.rename(tmp, target.path);
  } catch (cause) {
    await fs.rm(tmp, { force: true });
    fail('io-error', `cannot ${purpose} ${path}: ${String(cause)}`, path);
  }
}

/** Read a text file that must be a regular file (or a symbolic link to one). */
export async function readRegularFile(path: string, purpose = 'read'): Promise<string> {
  checkPath(path, purpose);
  const { fs } = await nodeFiles();
  let stats: Stats;
  try {
    stats = await fs.stat(path);
  } catch (cause) {
    fail('io-error', `cannot ${purpose} ${path}: ${errno(cause) === 'ENOENT' ? 'no such file' : String(cause)}`, path);
  }
  if (!stats.isFile()) fail('io-error', `cannot ${purpose} ${path}: it is ${kindOf(stats)}, not a regular file; give the path of a params file written by save (or roulette fit --out)`, path);
  try {
    return await fs.readFile(path, 'utf8');
  } catch (cause) {
    fail('io-error', `cannot ${purpose} ${path}: ${String(cause)}`, path);
  }
}

/** Write every param of `store` (and the extras: how they were made, the optimiser's state) to `path`. */
export async function saveParams(store: ParamStore, path: string, extras: ParamFileExtras = {}): Promise<void> {
  const text = JSON.stringify({ ...store.snapshot(), ...extras });
  await writeFileAtomic(path, text, 'save params to');
}

/** The snapshot in a params file, checked to be one (not restored anywhere). */
export async function readParams(path: string): Promise<ParamSnapshot> {
  const text = await readRegularFile(path, 'read params from');
  let snapshot: ParamSnapshot;
  try {
    snapshot = JSON.parse(text) as ParamSnapshot;
  } catch (cause) {
    fail('io-error', `cannot read params from ${path}: not JSON (${(cause as Error).message})`, path);
  }
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.format !== 'roulette-params' || typeof snapshot.params !== 'object' || snapshot.params === null) {
    fail('io-error', `cannot read params from ${path}: not a roulette params file (no "format": "roulette-params" with "params")`, path);
  }
  return snapshot;
}

export async function loadParams(store: ParamStore, path: string): Promise<void> {
  store.restore(await readParams(path));
}
