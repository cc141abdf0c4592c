import { gunzipSync } from 'node:zlib';
import { byIndex, DataFileError, type LoadedArray } from './array.js';

/**
 * The IDX format of the MNIST files (LeCun et al.): two zero bytes, a type byte, the number of
 * dims, each dim as a big-endian uint32, then the values big-endian, row-major. Optionally gzipped
 * (`.gz`, detected by its magic bytes).
 */
const TYPES: ReadonlyMap<number, { readonly name: string; readonly bytes: number; readonly read: (view: DataView, at: number) => number }> = new Map([
  [0x08, { name: 'unsigned byte', bytes: 1, read: (v: DataView, at: number) => v.getUint8(at) }],
  [0x09, { name: 'signed byte', bytes: 1, read: (v: DataView, at: number) => v.getInt8(at) }],
  [0x0b, { name: 'short', bytes: 2, read: (v: DataView, at: number) => v.getInt16(at, false) }],
  [0x0c, { name: 'int', bytes: 4, read: (v: DataView, at: number) => v.getInt32(at, false) }],
  [0x0d, { name: 'float', bytes: 4, read: (v: DataView, at: number) => v.getFloat32(at, false) }],
  [0x0e, { name: 'double', bytes: 8, read: (v: DataView, at: number) => v.getFloat64(at, false) }],
]);

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Does the buffer start like an IDX file? */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && TYPES.has(bytes[2]!) && bytes[3]! >= 1;
}

/**
 * Decode an IDX file (gzipped or not).
 *
 * @example
 * const images = readIdx(readFileSync('train-images-idx3-ubyte.gz'), 'train-images-idx3-ubyte.gz'); // shape [60000, 28, 28]
 */
export function readIdx(raw: Uint8Array, file: string): LoadedArray {
  let bytes = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (cause) {
      throw new DataFileError(file, `is not a valid gzip file (${(cause as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataFileError(file, 'is not an IDX file (it does not start with two zero bytes)');
  const type = TYPES.get(bytes[2]!);
  if (!type) throw new DataFileError(file, `has unknown IDX type code 0x${bytes[2]!.toString(16)}`);
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new DataFileError(file, `is truncated: its header announces ${rank} dims but the file ends first`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw new DataFileError(file, `has ${bytes.length} bytes but its header [${shape.join(', ')}] of ${type.name}s needs ${expected}`);
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = type.read(view, headerBytes + i * type.bytes);
  return byIndex(file, values, shape);
}

/**
 * Encode values as IDX (float32 unless every value fits an unsigned byte). For tests and for
 * exporting data.
 */
export function writeIdx(values: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const bytesOnly = Array.from(values).every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
  const size = bytesOnly ? 1 : 4;
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * size);
  const view = new DataView(out.buffer);
  out[2] = bytesOnly ? 0x08 : 0x0d;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) {
    if (bytesOnly) view.setUint8(header + i, values[i]!);
    else view.setFloat32(header + 4 * i, values[i]!, false);
  }
  return out;
}
