import type { CliIo } from './cli-io.js';

const WIDTH = 24;

/**
 * A one-line progress bar on standard error, drawn only when standard error is
 * a terminal (so pipes and logs stay clean). With no known total it shows a count.
 */
export class ProgressBar {
  private drawn = false;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private total: number | null = null,
  ) {}

  /** Redraws the bar at `done` (of `total`, when it became known). */
  update(done: number, total?: number): void {
    if (total !== undefined) this.total = total;
    if (!this.io.stderrIsTty) return;
    this.io.errRaw(`\r\u001b[K${renderProgress(this.label, done, this.total)}`);
    this.drawn = true;
  }

  /** Erases the bar, leaving the line for what follows. */
  finish(): void {
    if (this.drawn) this.io.errRaw('\r\u001b[K');
    this.drawn = false;
  }
}

/** The text of a progress line, e.g. `orders [############------------] 50/100`. */
export function renderProgress(label: string, done: number, total: number | null): string {
  if (total === null || total <= 0) return `${label} ${done}`;
  const ratio = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * WIDTH);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}`;
}
