/** Compares two revisions' contents field by field, lists matched by their key (seq, line, name). */

/** One field of the comparison: its path as people read it, and its value on each side (undefined: absent). */
export interface DiffRow {
  readonly path: string;
  readonly left: string | undefined;
  readonly right: string | undefined;
  readonly changed: boolean;
}

/** The key a list entry is matched by across revisions: operations by seq, materials by line, setpoints by name. */
function keyOf(entry: unknown, index: number): string {
  if (typeof entry === 'object' && entry !== null) {
    const record = entry as Record<string, unknown>;
    if (typeof record.seq === 'number') return `seq ${record.seq}`;
    if (typeof record.line === 'number') return `line ${record.line}`;
    if (typeof record.name === 'string') return record.name;
  }
  return String(index + 1);
}

/** Flattens `value` into "path → text" pairs (`operations[seq 10].code`). */
export function flatten(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0 && path !== '') into.set(path, '(none)');
    value.forEach((entry, index) => flatten(entry, `${path}[${keyOf(entry, index)}]`, into));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) flatten(entry, path === '' ? key : `${path}.${key}`, into);
  } else if (path !== '') {
    into.set(path, value === null ? '(empty)' : String(value));
  }
  return into;
}

/** Every field of either side, in the right side's order then the left's leftovers. */
export function diffContents(left: unknown, right: unknown): DiffRow[] {
  const before = left === undefined ? new Map<string, string>() : flatten(left);
  const after = flatten(right);
  const paths = [...after.keys(), ...[...before.keys()].filter((path) => !after.has(path))];
  return paths.map((path) => {
    const was = before.get(path);
    const now = after.get(path);
    return { path, left: was, right: now, changed: was !== now };
  });
}
