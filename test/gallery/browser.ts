/**
 * The browser test harness for the gallery site: a Chromium to drive (installed through apt where
 * missing), one Vite build of the site per test run, a plain static file server, and a collector of
 * console and page errors. Tests load the built pages exactly as a reader's browser would: from a
 * static server, with no dev server in between.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** Where `npm run gallery` writes the site. */
export const GALLERY_DIST = join(ROOT, 'gallery', 'dist');
/** The result files the site shows: the committed ones, or GALLERY_RESULTS=dir (as for `npm run gallery`). */
export const GALLERY_RESULTS = process.env['GALLERY_RESULTS'] ? resolve(process.env['GALLERY_RESULTS']) : join(ROOT, 'examples', 'results');
const CHROMIUM = '/usr/bin/chromium';

/**
 * The path of a Chromium executable: Debian's `chromium` package, installed with apt-get when it is
 * missing and we are root (as in CI); otherwise an error that says how to install it.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`The gallery's browser tests need Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) and run the tests again.`);
  }
  // Lock::Timeout: the other gallery test file may be installing at the same moment.
  const apt = (...args: string[]): boolean =>
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  // A fresh machine's package lists may be stale or absent: update once and retry.
  if (!apt('install', '-y', 'chromium')) {
    if (!apt('update')) throw new Error('apt-get update failed while installing Chromium for the gallery tests: check the network / apt sources.');
    if (!apt('install', '-y', 'chromium')) throw new Error('apt-get install -y chromium failed: install Chromium by hand and run the tests again.');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} does not exist.`);
  return CHROMIUM;
}

/** Flags for a headless Chromium on a closed network: without the background-networking ones its connections are refused. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium (the caller closes it). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
}

/**
 * Console errors and uncaught page errors of `page`, collected from now on into the returned array
 * (read it after the page has settled).
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

// ---- building the site once per test run ----------------------------------------------------------

const LOCK = join(ROOT, 'gallery', '.build-lock');
const STAMP = join(GALLERY_DIST, '.built');
/** What the site is built from; a build from the same results, newer than every file here, is reused. */
const INPUTS = [...['gallery', 'examples', 'src', 'package-lock.json'].map((p) => join(ROOT, p)), GALLERY_RESULTS];
const NOT_INPUTS = new Set([GALLERY_DIST, join(ROOT, 'gallery', 'screenshots'), LOCK, join(ROOT, 'node_modules')]);

/** Files only: directories' own mtimes change whenever the lock or the output comes and goes. */
function newestMtime(path: string): number {
  if (NOT_INPUTS.has(path) || !existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), 0);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the build lock (an atomic mkdir), waiting while another live process holds it. */
async function lock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A holder that died (killed test run) leaves its lock behind: take it over.
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      // The holder is between mkdir and writing its pid, or just released the lock.
    }
    if (Number.isInteger(holder) && !pidAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Every file under `dir`, relative: a result file removed since the last build makes that build stale (mtimes alone cannot tell). */
function listing(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? listing(join(dir, entry), `${prefix}${entry}/`) : [`${prefix}${entry}`]));
}

/**
 * Builds the site into gallery/dist (`npm run gallery`) unless a build newer than every input is
 * there already: test files that run side by side in one test run build it once (the second waits
 * for the first under a lock, then finds the build fresh). Returns the output directory.
 */
export async function buildGallery(): Promise<string> {
  await lock();
  try {
    // The stamp names the results directory and the files it held.
    const stamp = [GALLERY_RESULTS, ...listing(GALLERY_RESULTS)].join('\n');
    const fresh = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp && statSync(STAMP).mtimeMs > Math.max(...INPUTS.map(newestMtime));
    if (fresh) return GALLERY_DIST;
    const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    try {
      await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'gallery/vite.config.ts', '--logLevel', 'warn'], {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, GALLERY_RESULTS, NO_COLOR: '1' },
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`npm run gallery failed:\n${stderr ?? ''}${stdout ?? ''}`);
    }
    writeFileSync(STAMP, stamp);
    return GALLERY_DIST;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

// ---- a static file server ---------------------------------------------------------------------------

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ppl': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Serves the files under `dir` on an ephemeral localhost port, as any static server would: no
 * rewrites, `index.html` for a directory, 404 for anything else.
 */
export async function serveStatic(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((closed, failed) => {
        server.closeAllConnections();
        server.close((error) => (error ? failed(error) : closed()));
      }),
  };
}
