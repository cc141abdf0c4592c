/**
 * A progress line for long fits on a terminal: the step, a bar, and whatever numbers the caller
 * passes (loss, estimator statistics), redrawn in place and fitted to the terminal's width (a line
 * longer than the terminal wraps, and every redraw then leaves a line behind). Fields that do not fit
 * are dropped from the end; the bar shrinks before any is. On anything but a terminal (a log, a pipe,
 * CI) it draws nothing: a redrawn line is noise there.
 */
export class Progress {
  readonly #start = performance.now();
  #drawn = false;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  /** Whether anything is drawn: only on a terminal. */
  get active(): boolean {
    return this.out.isTTY === true;
  }

  update(step: number, fields: Readonly<Record<string, string>>): void {
    if (!this.active) return;
    const elapsed = (performance.now() - this.#start) / 1000;
    const rate = step / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - step) / rate : 0;
    const numbers = [...Object.entries(fields).map(([k, v]) => `${k} ${v}`), `${rate.toFixed(1)} steps/s`, `eta ${formatSeconds(eta)}`];
    this.out.write(`\r\x1b[K${progressLine(this.label, step, this.total, numbers, this.out.columns)}`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) this.out.write('\n');
    this.#drawn = false;
  }
}

/**
 * `label step/total [####----] field  field ...` in at most `columns - 1` characters (the last column
 * left free: some terminals wrap when it is written). Fields are dropped from the end of `fields`
 * except the last two (rate and eta), the bar narrows from 24 to 8 characters first.
 */
export function progressLine(label: string, step: number, total: number, fields: readonly string[], columns: number | undefined): string {
  const width = Math.max(20, (columns && columns > 0 ? columns : 80) - 1);
  const head = `${label} ${String(step).padStart(String(total).length)}/${total}`;
  const bar = (n: number): string => {
    const filled = Math.round((n * step) / Math.max(total, 1));
    return `[${'#'.repeat(filled)}${'-'.repeat(n - filled)}]`;
  };
  const line = (n: number, shown: readonly string[]): string => [head, ...(n > 0 ? [bar(n)] : []), ...shown].join('  ');
  const tail = fields.slice(-2);
  let shown = [...fields];
  for (;;) {
    for (const n of [24, 16, 8]) {
      const candidate = line(n, shown);
      if (candidate.length <= width) return candidate;
    }
    if (shown.length > tail.length) {
      shown = [...shown.slice(0, shown.length - tail.length - 1), ...tail];
      continue;
    }
    const bare = line(0, shown);
    return bare.length <= width ? bare : bare.slice(0, width);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
