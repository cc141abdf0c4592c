import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/cli/data/array.js';
import { readCsv, wholeTable } from '../../src/cli/data/csv.js';
import { readIdx, writeIdx } from '../../src/cli/data/idx.js';
import { readJson } from '../../src/cli/data/json.js';
import { loadData, parseDataArgument } from '../../src/cli/data/load.js';
import { compile } from '../../src/dsl/lang/index.js';

/** The CLI's data readers (IDX, CSV, JSON) and how files are matched to data declarations. */

const dir = mkdtempSync(join(tmpdir(), 'roulette-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const problem = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof DataFileError) return e.message;
    throw e;
  }
  return 'no error';
};

describe('IDX', () => {
  it('round-trips bytes and floats, gzipped or not', () => {
    const bytes = readIdx(writeIdx([0, 255, 7, 8, 9, 10], [2, 3]), 'b.idx');
    expect(bytes.shape).toEqual([2, 3]);
    expect(Array.from(bytes.values)).toEqual([0, 255, 7, 8, 9, 10]);
    const floats = readIdx(gzipSync(writeIdx([0.5, -1.25], [2])), 'f.idx.gz');
    expect(Array.from(floats.values)).toEqual([0.5, -1.25]);
    expect(floats.locate(1)).toBe('index [1]');
  });

  it('reports truncated files, bad magic numbers and bad gzip', () => {
    const good = writeIdx([1, 2, 3, 4], [2, 2]);
    expect(problem(() => readIdx(good.subarray(0, good.length - 1), 'cut.idx'))).toBe('cut.idx: has 15 bytes but its header [2, 2] of unsigned bytes needs 16');
    expect(problem(() => readIdx(new Uint8Array([1, 2, 3, 4]), 'text.idx'))).toBe('text.idx: is not an IDX file (it does not start with two zero bytes)');
    expect(problem(() => readIdx(new Uint8Array([0x1f, 0x8b, 0, 0]), 'x.gz'))).toMatch(/^x\.gz: is not a valid gzip file/);
  });
});

describe('CSV and JSON', () => {
  it('CSV with a header, quoted fields, comments and blank lines; without a header it is one table', () => {
    const t = readCsv('# data\nx.1,"x.2"\n1,2\n\n3,4\n', 'a.csv');
    expect(t.header).toEqual(['x.1', 'x.2']);
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4]);
    const whole = wholeTable(readCsv('1\n2\n3\n', 'v.csv'));
    expect(whole.shape).toEqual([3]);
    expect(problem(() => readCsv('a,b\n1\n', 'short.csv'))).toBe('short.csv: line 2 has 1 fields, expected 2');
    expect(problem(() => readCsv('a,b\n1,\n', 'empty.csv'))).toBe("empty.csv: line 2, column 'b' is empty");
  });

  it('JSON objects of nested arrays; ragged arrays and non-numbers are errors naming the entry', () => {
    const m = readJson('{"x": [[1, 2], [3, 4]], "s": 2}', 'd.json');
    expect(m.get('x')!.shape).toEqual([2, 2]);
    expect(m.get('s')!.shape).toEqual([]);
    expect(m.get('x')!.locate(3)).toBe('x[1][1]');
    expect(problem(() => readJson('{"x": [[1, 2], [3]]}', 'r.json'))).toBe('r.json: x[1] is ragged: expected 2 entries like x[0], got 1');
    expect(problem(() => readJson('{"x": [1, null]}', 'n.json'))).toBe('n.json: x[1] is null, not a number');
    expect(problem(() => readJson('{"x": [1,', 'bad.json'))).toMatch(/^bad\.json: is not valid JSON/);
  });
});

describe('matching files to data declarations', () => {
  const { dataSpec } = compile('data X: real[N, D]\ndata y: int[N]\nmodel { plate data(N) { y ~ poisson(exp(sum(X))) } }\nguide { }');

  it('CSV columns by name (X.1, X.2, y), a warning for columns the model does not declare', async () => {
    const csv = file('xy.csv', 'X.1,X.2,y,extra\n1,2,3,0\n4,5,6,0\n');
    const data = await loadData([parseDataArgument(csv)], dataSpec);
    expect(data.tensors['X']!.shape).toEqual([2, 2]);
    expect(Array.from(data.tensors['y']!.dataSync())).toEqual([3, 6]);
    expect(data.notes).toEqual([]);
    expect(data.warnings).toEqual([{ code: 'unknown-data', file: csv, message: "column 'extra' is not declared in the program; ignored", hint: 'the program declares X, y; remove it from the file or declare it' }]);
  });

  it('a misspelt entry: a warning when ignored, named in the error when the declared one is missing', async () => {
    const wrong = file('wrong.json', JSON.stringify({ X: [[1, 2]], yy: [3] }));
    await expect(loadData([parseDataArgument(wrong)], dataSpec)).rejects.toThrow(`no data for 'y' (declared y: int[N]); give it with --data FILE or --data y=FILE; ${wrong} has 'yy', which the program does not declare: a misspelling?`);
    const both = file('both.json', JSON.stringify({ X: [[1, 2]], y: [3], Xs: [4] }));
    const data = await loadData([parseDataArgument(both)], dataSpec);
    expect(data.warnings.map((w) => w.message)).toEqual(["entry 'Xs' is not declared in the program; ignored"]);
  });

  it('NAME=PATH for single arrays, trailing dims flattened to fit the declaration', async () => {
    const images = file('img.idx', writeIdx(Array.from({ length: 2 * 2 * 3 }, (_, i) => i), [2, 2, 3]));
    const counts = file('y.json', '[1, 2]');
    const data = await loadData([parseDataArgument(`X=${images}`), parseDataArgument(`y=${counts}`)], compile('data X: real[N, 6]\ndata y: int[N]\nmodel { plate data(N) { y ~ poisson(exp(sum(X))) } }\nguide { }').dataSpec);
    expect(data.tensors['X']!.shape).toEqual([2, 6]);
    expect(data.notes[0]).toMatch(/'X' has shape \[2, 2, 3\]; read as \[2, 6\]/);
  });

  it('integers and 0/1 are checked; --binarize thresholds grey levels', async () => {
    const bad = file('y.csv', 'X.1,y\n1,2.5\n');
    await expect(loadData([parseDataArgument(bad)], dataSpec)).rejects.toThrow(`${bad}: 'y' at line 2, column 'y' is 2.5, not an integer (declared y: int[N])`);
    const spec = compile('data x: bool[N, 2]\nmodel { plate data(N) { x ~ bernoulli(0.5) } }\nguide { }').dataSpec;
    const grey = file('g.json', JSON.stringify({ x: [[0, 200], [255, 90]] }));
    const data = await loadData([parseDataArgument(grey)], spec, { binarize: true });
    expect(Array.from(data.tensors['x']!.dataSync())).toEqual([0, 1, 1, 0]);
  });

  it('data no file gives, a single array without a name, a variable given twice', async () => {
    const onlyX = file('onlyX.json', JSON.stringify({ X: [[1, 2]] }));
    await expect(loadData([parseDataArgument(onlyX)], dataSpec)).rejects.toThrow(/no data for 'y' \(declared y: int\[N\]\)/);
    const bare = file('bare.idx', writeIdx([1, 2], [2]));
    await expect(loadData([parseDataArgument(bare)], dataSpec)).rejects.toThrow(`${bare}: holds one array; say which data it is with --data NAME=${bare} (the model declares X, y)`);
    await expect(loadData([parseDataArgument(onlyX), parseDataArgument(onlyX)], dataSpec)).rejects.toThrow(`${onlyX}: gives 'X', which ${onlyX} already gave`);
  });
});
