import { DataFileError, unflatten, type LoadedArray } from './array.js';

/**
 * JSON data: an object of named arrays (`{ "x": [[1, 2], [3, 4]], "y": [0, 1] }`), nested arrays of
 * numbers (rectangular), or one bare array (for `--data name=file.json`).
 */
export function readJson(text: string, file: string): Map<string, LoadedArray> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new DataFileError(file, `is not valid JSON (${(cause as Error).message})`);
  }
  if (Array.isArray(parsed) || typeof parsed === 'number') return new Map([['', toArray(parsed, file, '')]]);
  if (typeof parsed !== 'object' || parsed === null) throw new DataFileError(file, 'must hold an object of named arrays, e.g. { "x": [[1, 2], [3, 4]] }');
  const out = new Map<string, LoadedArray>();
  for (const [name, value] of Object.entries(parsed)) out.set(name, toArray(value, file, name));
  return out;
}

function toArray(value: unknown, file: string, name: string): LoadedArray {
  const shape: number[] = [];
  for (let v: unknown = value; Array.isArray(v); v = v[0]) {
    if (v.length === 0) throw new DataFileError(file, `'${name}' has an empty array`);
    shape.push(v.length);
  }
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let at = 0;
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new DataFileError(file, `${path || name} is ${v === null ? 'null' : JSON.stringify(v)}, not a number`);
      values[at++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new DataFileError(file, `${path} is ragged: expected ${shape[depth]} entries like ${name}${'[0]'.repeat(depth)}, got ${Array.isArray(v) ? v.length : 'a number'}`);
    }
    v.forEach((x, i) => walk(x, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, name);
  return { values, shape, file, locate: (flat) => `${name || 'the array'}${unflatten(flat, shape).map((i) => `[${i}]`).join('')}` };
}
