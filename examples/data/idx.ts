import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { RouletteError } from '../../src/index.js';

/** An IDX array of unsigned bytes (the MNIST file format): its dimensions and row-major data. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Read a (gzipped, if the name ends in .gz) IDX file: magic 0x0000 0x08 <rank>, then `rank` big-endian
 * uint32 dimensions, then the bytes. Only the unsigned-byte type (0x08) is supported: MNIST-style
 * images and labels use it.
 */
export function readIdx(path: string): IdxArray {
  const raw = readFileSync(path);
  const bytes = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new RouletteError('io-error', `${path}: not an IDX file (bad magic number)`, path);
  if (bytes[2] !== 0x08) throw new RouletteError('io-error', `${path}: IDX element type 0x${bytes[2]!.toString(16)} is not unsigned byte (0x08)`, path);
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== size) throw new RouletteError('io-error', `${path}: header says ${size} elements, file holds ${bytes.length - offset}`, path);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size) };
}
