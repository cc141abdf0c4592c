import { DataFileError, type LoadedArray } from './array.js';

/**
 * CSV data (comma, or tab for .tsv). With a header row, columns feed data by name: a column `y`
 * is the vector y[N]; columns `X.1`, `X.2`, ... (1-based, as R and Stan write them) are the
 * columns of the matrix X[N, D]. Without a header (a first row of numbers), the whole table is one
 * array: [rows, columns], or [rows] for a single column.
 */
export interface CsvTable {
  readonly file: string;
  readonly header: readonly string[] | undefined;
  /** Row-major cells, rows x columns. */
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
  /** 1-based line of each data row. */
  readonly lines: readonly number[];
}

function splitLine(line: string, separator: string): string[] {
  // Quoted fields ("a,b") are kept whole; quotes are removed.
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === separator && !quoted) {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

const isNumber = (cell: string): boolean => cell !== '' && Number.isFinite(Number(cell));

export function readCsv(text: string, file: string): CsvTable {
  const separator = /\.tsv$/i.test(file) ? '\t' : ',';
  const all = text.split(/\r?\n/).map((l, i) => ({ text: l, line: i + 1 }));
  const rows = all.filter((l) => l.text.trim() !== '' && !l.text.startsWith('#'));
  if (rows.length === 0) throw new DataFileError(file, 'is empty');
  const first = splitLine(rows[0]!.text, separator);
  const header = first.some((c) => !isNumber(c) && !/^(nan|na|inf|-inf)$/i.test(c)) ? first : undefined;
  const body = header ? rows.slice(1) : rows;
  if (body.length === 0) throw new DataFileError(file, 'has a header but no data rows');
  const columns = first.length;
  const values = new Float32Array(body.length * columns);
  body.forEach((row, r) => {
    const cells = splitLine(row.text, separator);
    if (cells.length !== columns) throw new DataFileError(file, `line ${row.line} has ${cells.length} fields, expected ${columns}`);
    cells.forEach((cell, c) => {
      const where = `line ${row.line}${header ? `, column '${header[c]}'` : `, field ${c + 1}`}`;
      if (cell === '') throw new DataFileError(file, `${where} is empty`);
      const v = Number(cell);
      if (Number.isNaN(v)) throw new DataFileError(file, `${where} is '${cell}', not a number`);
      values[r * columns + c] = v;
    });
  });
  return { file, header, values, rows: body.length, columns, lines: body.map((b) => b.line) };
}

/** The whole table as one array. */
export function wholeTable(t: CsvTable): LoadedArray {
  const shape = t.columns === 1 ? [t.rows] : [t.rows, t.columns];
  return {
    values: t.values,
    shape,
    file: t.file,
    locate: (flat) => `line ${t.lines[Math.floor(flat / t.columns)]}, field ${(flat % t.columns) + 1}`,
  };
}

/** The columns of a headed table that feed data `name`: `name` itself, or `name.1`, `name.2`, ... */
export function namedColumns(t: CsvTable, name: string): LoadedArray | undefined {
  if (!t.header) return undefined;
  const single = t.header.indexOf(name);
  const indexed: number[] = [];
  for (let j = 1; ; j++) {
    const at = t.header.indexOf(`${name}.${j}`);
    if (at < 0) break;
    indexed.push(at);
  }
  const picked = single >= 0 ? [single] : indexed;
  if (picked.length === 0) return undefined;
  const values = new Float32Array(t.rows * picked.length);
  for (let r = 0; r < t.rows; r++) picked.forEach((c, j) => (values[r * picked.length + j] = t.values[r * t.columns + c]!));
  const shape = single >= 0 ? [t.rows] : [t.rows, picked.length];
  return {
    values,
    shape,
    file: t.file,
    locate: (flat) => `line ${t.lines[Math.floor(flat / picked.length)]}, column '${t.header![picked[flat % picked.length]!]}'`,
  };
}

/** Which declared names the header provides columns for (to report unused columns). */
export function columnOwners(t: CsvTable): Set<string> {
  return new Set((t.header ?? []).map((h) => h.replace(/\.\d+$/, '')));
}
