/**
 * The figures a benchmark produces and how they are printed: one table per
 * section, each figure beside the limit it is judged against, then every
 * figure again as one JSON line (`BENCH_JSON {...}`) for notes to quote.
 */

/** What a figure is judged against: a share of its limit, or an absolute bound. */
export type Target =
  | { readonly kind: 'share-of-limit'; readonly atLeast: number }
  | { readonly kind: 'at-least'; readonly value: number }
  | { readonly kind: 'below'; readonly value: number };

/** The outcome of a figure: met its target, missed it, has none (context), or could not run. */
export const VERDICTS = ['PASS', 'MISS', 'INFO', 'SKIP'] as const;

/** One of {@link VERDICTS}. */
export type Verdict = (typeof VERDICTS)[number];

/** A limit measured in the same run, which a figure is compared with. */
export interface Limit {
  /** The JSON id of the figure that measured it. */
  readonly id: string;
  readonly label: string;
  readonly value: number;
}

/** One measured number. */
export interface Figure {
  /** Stable key in the JSON line, e.g. `service.sqlite.seq.create`. */
  readonly id: string;
  readonly label: string;
  /** Null when the figure could not be measured (see `note`). */
  readonly value: number | null;
  readonly unit: string;
  readonly limit?: Limit;
  readonly target?: Target;
  /** Sample size and latencies, printed beside the figure. */
  readonly detail?: Readonly<Record<string, number | string>>;
  readonly note?: string;
}

/** A titled table of figures with notes printed under it. */
export interface Section {
  readonly title: string;
  readonly figures: Figure[];
  readonly notes: string[];
}

/** Creates an empty section. */
export function section(title: string): Section {
  return { title, figures: [], notes: [] };
}

/** The figure's value as a share of its limit, or undefined without both. */
export function ratioOf(figure: Figure): number | undefined {
  if (figure.value === null || figure.limit === undefined || figure.limit.value <= 0) return undefined;
  return figure.value / figure.limit.value;
}

/** Judges a figure against its target. */
export function verdictOf(figure: Figure): Verdict {
  if (figure.value === null) return 'SKIP';
  const target = figure.target;
  if (target === undefined) return 'INFO';
  switch (target.kind) {
    case 'share-of-limit': {
      const ratio = ratioOf(figure);
      // Without its limit (that section was not run) a share cannot be judged.
      if (ratio === undefined) return 'INFO';
      return ratio >= target.atLeast ? 'PASS' : 'MISS';
    }
    case 'at-least':
      return figure.value >= target.value ? 'PASS' : 'MISS';
    case 'below':
      return figure.value < target.value ? 'PASS' : 'MISS';
  }
}

/** A number with a sensible number of digits for a table. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function targetText(figure: Figure): string {
  const target = figure.target;
  if (target === undefined) return '';
  switch (target.kind) {
    case 'share-of-limit':
      return `>= ${Math.round(target.atLeast * 100)}% of limit`;
    case 'at-least':
      return `>= ${formatNumber(target.value)} ${figure.unit}`;
    case 'below':
      return `< ${formatNumber(target.value)} ${figure.unit}`;
  }
}

function detailText(detail: Figure['detail']): string {
  if (detail === undefined) return '';
  return Object.entries(detail).map(([key, value]) => `${key}=${typeof value !== 'number' ? value : Number.isInteger(value) ? value.toLocaleString('en-US') : formatNumber(value)}`).join(' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Renders one section as a plain-text table with its notes. */
export function renderSection(part: Section): string {
  const rows = part.figures.map((figure) => {
    const ratio = ratioOf(figure);
    return [
      figure.label,
      figure.value === null ? '-' : formatNumber(figure.value),
      figure.unit,
      figure.limit ? `${figure.limit.label}: ${formatNumber(figure.limit.value)}` : '',
      ratio === undefined ? '' : `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`,
      targetText(figure),
      verdictOf(figure),
      [detailText(figure.detail), figure.note ?? ''].filter((text) => text !== '').join('; '),
    ];
  });
  const body = rows.length === 0 ? '(nothing measured)' : table(['figure', 'value', 'unit', 'limit (same run)', 'ratio', 'target', 'result', 'detail'], rows, new Set([1, 4]));
  const notes = part.notes.map((note) => `  * ${note}`);
  return [`== ${part.title} ==`, body, ...notes].join('\n');
}

/** Every figure of every section as one JSON object, keyed by figure id. */
export function reportJson(sections: readonly Section[], context: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const figures: Record<string, unknown> = {};
  for (const part of sections) {
    for (const figure of part.figures) {
      const ratio = ratioOf(figure);
      figures[figure.id] = {
        label: figure.label,
        value: figure.value === null ? null : Number(figure.value.toPrecision(6)),
        unit: figure.unit,
        ...(figure.limit ? { limit: { id: figure.limit.id, value: Number(figure.limit.value.toPrecision(6)) } } : {}),
        ...(ratio === undefined ? {} : { ratio: Number(ratio.toFixed(4)) }),
        ...(figure.target ? { target: figure.target } : {}),
        verdict: verdictOf(figure),
        ...(figure.detail ? { detail: figure.detail } : {}),
        ...(figure.note ? { note: figure.note } : {}),
      };
    }
  }
  return { ...context, figures };
}
