import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import type { DataSpec, DataVariable } from '../../dsl/lang/data-spec.js';
import { RouletteError } from '../../runtime/errors.js';
import { closest } from '../../runtime/names.js';
import type { CliWarning } from '../warnings.js';
import { DataFileError, type LoadedArray } from './array.js';
import { columnOwners, namedColumns, readCsv, wholeTable } from './csv.js';
import { isGzip, looksLikeIdx, readIdx } from './idx.js';
import { readJson } from './json.js';

/** One --data argument: `path` (the file names its variables) or `name=path` (the file is `name`). */
export interface DataSource {
  readonly name: string | undefined;
  readonly path: string;
}

export function parseDataArgument(arg: string): DataSource {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(arg);
  return m ? { name: m[1]!, path: m[2]! } : { name: undefined, path: arg };
}

export interface LoadOptions {
  /** Threshold data declared bool at half their maximum (e.g. MNIST grey levels 0..255). */
  readonly binarize?: boolean;
}

export interface LoadedData {
  readonly tensors: Record<string, tf.Tensor>;
  /** The file each variable came from. */
  readonly files: Readonly<Record<string, string>>;
  /** Things done to the data that the user should know (reshapes). */
  readonly notes: readonly string[];
  /** Entries of a file the program does not declare (ignored; likely a misspelt name on either side). */
  readonly warnings: readonly CliWarning[];
}

type Format = 'json' | 'csv' | 'idx';

function formatOf(path: string, bytes: Uint8Array): Format {
  if (isGzip(bytes) || looksLikeIdx(bytes) || /(\.idx\d?|ubyte)(\.gz)?$/i.test(path)) return 'idx';
  if (/\.json$/i.test(path)) return 'json';
  if (/\.(csv|tsv|txt)$/i.test(path)) return 'csv';
  const start = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  return start.startsWith('{') || start.startsWith('[') ? 'json' : 'csv';
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new DataFileError(path, code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory, not a data file' : `cannot be read (${(cause as Error).message})`);
  }
}

/**
 * Read every --data file, match arrays to the program's data declarations, check values (finite;
 * integers for int; 0/1 for bool) and shapes, and make tensors. Every problem is a DataFileError
 * whose one-line message names the file and what is wrong.
 */
export async function loadData(sources: readonly DataSource[], spec: DataSpec, options: LoadOptions = {}): Promise<LoadedData> {
  const declared = new Map(spec.variables.map((v) => [v.name, v]));
  const arrays = new Map<string, LoadedArray>();
  const notes: string[] = [];
  const ignored: { file: string; what: string; name: string }[] = [];
  const undeclared = (file: string, what: string, name: string): void => {
    ignored.push({ file, what, name });
  };
  const assign = (name: string, array: LoadedArray): void => {
    const previous = arrays.get(name);
    if (previous) throw new DataFileError(array.file, `gives '${name}', which ${previous.file} already gave`);
    arrays.set(name, array);
  };
  const only = (file: string, what: string): string => {
    if (declared.size === 1) return [...declared.keys()][0]!;
    throw new DataFileError(file, `holds ${what}; say which data it is with --data NAME=${file} (the model declares ${[...declared.keys()].join(', ')})`);
  };

  for (const source of sources) {
    const bytes = await readBytes(source.path);
    const file = source.path;
    const format = formatOf(file, bytes);
    if (format === 'idx') {
      assign(source.name ?? only(file, 'one array'), readIdx(bytes, file));
      continue;
    }
    const text = new TextDecoder().decode(bytes);
    if (format === 'json') {
      const entries = readJson(text, file);
      if (source.name !== undefined) {
        if (entries.size !== 1) throw new DataFileError(file, `holds ${entries.size} arrays (${[...entries.keys()].join(', ')}); with --data ${source.name}=FILE it must hold one`);
        assign(source.name, [...entries.values()][0]!);
        continue;
      }
      if (entries.has('')) {
        assign(only(file, 'one unnamed array'), entries.get('')!);
        continue;
      }
      for (const [name, array] of entries) {
        if (declared.has(name)) assign(name, array);
        else undeclared(file, 'entry', name);
      }
      continue;
    }
    const table = readCsv(text, file);
    if (source.name !== undefined || !table.header) {
      assign(source.name ?? only(file, 'a table without a header'), wholeTable(table));
      continue;
    }
    let found = 0;
    for (const name of declared.keys()) {
      const columns = namedColumns(table, name);
      if (columns) {
        assign(name, columns);
        found++;
      }
    }
    if (found === 0) throw new DataFileError(file, `has columns ${table.header.join(', ')} but the model declares ${[...declared.keys()].join(', ')} (name columns x or x.1, x.2, ...)`);
    for (const owner of columnOwners(table)) if (!declared.has(owner)) undeclared(file, 'column', owner);
  }

  // After every file: a did-you-mean only among the declarations no file gave.
  const missing = [...declared.keys()].filter((name) => !arrays.has(name));
  const warnings: CliWarning[] = ignored.map(({ file, what, name }) => {
    const near = closest(name, missing);
    const hint = near !== undefined ? `did you mean '${near}'? rename it in the file or in the program` : `the program declares ${[...declared.keys()].join(', ')}; remove it from the file or declare it`;
    return { code: 'unknown-data', message: `${what} '${name}' is not declared in the program; ignored`, file, hint };
  });

  const tensors: Record<string, tf.Tensor> = {};
  const files: Record<string, string> = {};
  for (const v of spec.variables) {
    const array = arrays.get(v.name);
    if (!array) {
      const given = sources.map((s) => s.path).join(', ') || 'no --data files';
      const near = closest(v.name, ignored.map((i) => i.name));
      const misspelt = near === undefined ? '' : `; ${ignored.find((i) => i.name === near)!.file} has '${near}', which the program does not declare: a misspelling?`;
      throw new DataFileError(given, `no data for '${v.name}' (declared ${spec.describe(v.name)}); give it with --data FILE or --data ${v.name}=FILE${misspelt}`);
    }
    const shape = fitShape(v, array, notes, spec);
    checkValues(v, array, options, spec);
    tensors[v.name] = tf.tensor(array.values, [...shape], 'float32');
    files[v.name] = array.file;
  }
  try {
    spec.bind(tensors);
  } catch (cause) {
    for (const t of Object.values(tensors)) t.dispose();
    if (cause instanceof RouletteError) throw new DataFileError(files[cause.where ?? ''] ?? sources.map((s) => s.path).join(', '), cause.message);
    throw cause;
  }
  return { tensors, files, notes, warnings };
}

/** Images stored [N, 28, 28] feed a declaration [N, 784]: flatten trailing dims when the sizes agree. */
function fitShape(v: DataVariable, array: LoadedArray, notes: string[], spec: DataSpec): readonly number[] {
  const shape = array.shape;
  const last = v.shape[v.shape.length - 1];
  if (shape.length <= v.shape.length || v.shape.length === 0 || typeof last !== 'number') return shape;
  const keep = shape.slice(0, v.shape.length - 1);
  const flat = shape.slice(v.shape.length - 1).reduce((a, b) => a * b, 1);
  if (flat !== last) return shape;
  notes.push(`${array.file}: '${v.name}' has shape [${shape.join(', ')}]; read as [${[...keep, flat].join(', ')}] to match ${spec.describe(v.name)}`);
  return [...keep, flat];
}

function checkValues(v: DataVariable, array: LoadedArray, options: LoadOptions, spec: DataSpec): void {
  const values = array.values;
  if (v.element === 'bool' && options.binarize) {
    let max = 0;
    for (const x of values) if (Number.isFinite(x)) max = Math.max(max, x);
    const threshold = max / 2;
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) values[i] = values[i]! > threshold ? 1 : 0;
  }
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    let problem: string | undefined;
    if (!Number.isFinite(x)) problem = `is ${x}`;
    else if (v.element === 'int' && !Number.isInteger(x)) problem = `is ${x}, not an integer`;
    else if (v.element === 'bool' && x !== 0 && x !== 1) problem = `is ${x}, not 0 or 1${options.binarize ? '' : ' (use --binarize to threshold grey levels)'}`;
    if (problem) throw new DataFileError(array.file, `'${v.name}' at ${array.locate(i)} ${problem} (declared ${spec.describe(v.name)})`);
  }
}
