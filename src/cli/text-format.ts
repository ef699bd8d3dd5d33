// Terminal control characters (C0, DEL, C1) and bidi overrides that could rewrite the screen (CVE-2021-42574).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Makes server-supplied text safe to print on a terminal: control characters
 * and bidirectional overrides become spaces, so a crafted value cannot move
 * the cursor, recolour the screen or reorder what is shown.
 */
export function printable(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(UNSAFE, ' ');
}

/** A column of a table: its heading and how to read a cell from a row. */
export interface Column<R> {
  readonly heading: string;
  readonly value: (row: R) => unknown;
  /** Right-align (numbers). */
  readonly right?: boolean;
}

/**
 * Formats rows as an aligned plain-text table: a heading line, then one line
 * per row, columns separated by two spaces; trailing spaces trimmed.
 */
export function formatTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string[] {
  const cells = rows.map((row) => columns.map((column) => printable(column.value(row))));
  const widths = columns.map((column, index) => Math.max(column.heading.length, ...cells.map((line) => line[index]?.length ?? 0)));
  const render = (line: readonly string[]): string =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.right ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((column) => column.heading.toUpperCase())), ...cells.map(render)];
}

/** Formats labelled values as aligned `label: value` lines; null and undefined values are left out. */
export function formatKeyValues(pairs: readonly (readonly [string, unknown])[]): string[] {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined);
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${printable(value)}`.trimEnd());
}
