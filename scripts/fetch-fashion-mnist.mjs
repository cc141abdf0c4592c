#!/usr/bin/env node
/**
 * Fetch Fashion-MNIST from Debian's `dataset-fashion-mnist` package into ./data/fashion-mnist without
 * root: `apt-get download` (needs only a readable package index) into a temp dir, then `dpkg -x`.
 * The gzipped IDX files end up under data/fashion-mnist/usr/share/datasets/fashion-mnist/.
 *
 *   npm run data:fashion-mnist
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const target = resolve('data/fashion-mnist');
const idxDir = join(target, 'usr/share/datasets/fashion-mnist');
const HOW =
  'Get it by hand: on a Debian/Ubuntu machine run `apt-get download dataset-fashion-mnist` (after `apt-get update` ' +
  'if `apt-cache policy dataset-fashion-mnist` shows no candidate), then `dpkg -x dataset-fashion-mnist_*.deb data/fashion-mnist`; ' +
  'or put the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, ' +
  `t10k-labels-idx1-ubyte.gz (from https://github.com/zalandoresearch/fashion-mnist) in ${idxDir}.`;

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) return `${command} could not run: ${result.error.message}`;
  if (result.status !== 0) return `${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr.trim()}`;
  return undefined;
}

if (existsSync(join(idxDir, 't10k-images-idx3-ubyte.gz'))) {
  console.log(`Fashion-MNIST is already in ${idxDir}`);
  process.exit(0);
}
const temp = mkdtempSync(join(tmpdir(), 'fashion-mnist-'));
try {
  const download = run('apt-get', ['download', 'dataset-fashion-mnist'], temp);
  if (download) {
    console.error(`Could not download dataset-fashion-mnist with apt-get.\n${download}\n\n${HOW}`);
    process.exit(1);
  }
  const deb = readdirSync(temp).find((f) => f.endsWith('.deb'));
  if (!deb) {
    console.error(`apt-get download produced no .deb in ${temp}.\n${HOW}`);
    process.exit(1);
  }
  mkdirSync(target, { recursive: true });
  const extract = run('dpkg', ['-x', join(temp, deb), target], temp);
  if (extract) {
    console.error(`Could not unpack ${deb}.\n${extract}\n\n${HOW}`);
    process.exit(1);
  }
  if (!existsSync(join(idxDir, 't10k-images-idx3-ubyte.gz'))) {
    console.error(`${deb} unpacked, but ${idxDir} holds no IDX files (the package layout changed?).\n${HOW}`);
    process.exit(1);
  }
  console.log(`Fashion-MNIST unpacked into ${idxDir}:\n  ${readdirSync(idxDir).join('\n  ')}`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
