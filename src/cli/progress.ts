/**
 * A progress line for long fits: a bar, the step, and whatever numbers the caller passes (loss,
 * estimator statistics), redrawn in place on a terminal and printed every tenth of the run otherwise
 * (logs, CI, pipes).
 */
export class Progress {
  readonly #start = performance.now();
  #lastLine = 0;

  readonly #every: number;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {
    this.#every = Math.max(1, Math.ceil(total / 10));
  }

  get #interactive(): boolean {
    return this.out.isTTY === true;
  }

  update(step: number, fields: Readonly<Record<string, string>>): void {
    const elapsed = (performance.now() - this.#start) / 1000;
    const rate = step / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - step) / rate : 0;
    const numbers = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ');
    const head = `${this.label} ${String(step).padStart(String(this.total).length)}/${this.total}`;
    const tail = `${numbers}  ${rate.toFixed(1)} steps/s  eta ${formatSeconds(eta)}`;
    if (this.#interactive) {
      const width = 24;
      const filled = Math.round((width * step) / this.total);
      this.out.write(`\r\x1b[K${head} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${tail}`);
      return;
    }
    // The first step too: a log shows at once that fitting has started.
    if (step === 1 || step === this.total || step - this.#lastLine >= this.#every) {
      if (step !== 1) this.#lastLine = step;
      this.out.write(`${head}  ${tail}\n`);
    }
  }

  finish(): void {
    if (this.#interactive) this.out.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
