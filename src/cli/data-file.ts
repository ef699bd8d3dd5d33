import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { CliError } from './cli-error.js';
import { INTEGER_KEYS, numbersAsDecimals } from './exact-numbers.js';

/** A file size above which the CLI refuses to read a description (the server's body limit is far below). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

// A plain YAML number as written in the file, kept as text to stay exact.
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/** Reads a text file, turning the usual failures into one-line {@link CliError}s naming the file. */
export async function readTextFile(path: string): Promise<string> {
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_FILE_BYTES) throw new CliError('invalid-file', `${path} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    return bytes.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError('file-not-found', `${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new CliError('file-unreadable', `${path}: permission denied`);
    if (code === 'EISDIR') throw new CliError('file-unreadable', `${path} is a folder, not a file`);
    throw error;
  }
}

/** Whether a file holds JSON or YAML: by its extension, else by its first character. */
export function formatOf(path: string, text: string): 'json' | 'yaml' {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml';
}

function parseYaml(path: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = document.errors[0];
  // With prettyErrors the first line of the message ends "at line L, column C:", followed by a code excerpt.
  if (first) throw new CliError('invalid-file', `${path} is not valid YAML: ${(first.message.split('\n')[0] ?? '').replace(/:$/, '')}`);
  // Keep decimals exactly as written: `value: 0.1` is the text "0.1", not the nearest double.
  visit(document, {
    Scalar(_key, node, ancestors) {
      const source = (node as { source?: unknown }).source;
      if (typeof node.value !== 'number' || typeof source !== 'string' || !PLAIN_DECIMAL.test(source)) return;
      const parent = ancestors[ancestors.length - 1];
      const keyName = isPair(parent) && isScalar(parent.key) ? String(parent.key.value) : '';
      if (!INTEGER_KEYS.has(keyName)) node.value = source;
    },
  });
  return document.toJS({ maxAliasCount: 100 });
}

/** Parses the text of a description file as JSON or YAML. */
export function parseDataFile(path: string, text: string): unknown {
  if (formatOf(path, text) === 'yaml') return parseYaml(path, text);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError('invalid-file', `${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads an order, order edit or plant description from a YAML or JSON file,
 * with numbers turned into exact decimal strings (see {@link numbersAsDecimals}).
 * The server validates the content; this only reads it faithfully.
 */
export async function readDataFile(path: string): Promise<unknown> {
  const parsed = parseDataFile(path, await readTextFile(path));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError('invalid-file', `${path} must hold one object (a mapping), not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  }
  return numbersAsDecimals(parsed);
}

/** A write refused by the file system, as one clear line naming the path; undefined for other failures. */
export function writeFailure(error: unknown, path: string): CliError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
    return new CliError('file-unreadable', `${path}: cannot write there`);
  }
  return undefined;
}

/** Writes a file whole or not at all (a temporary file beside it, then renamed), with `mode`. */
export async function writeWholeFile(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.partial`;
  try {
    await writeFile(temporary, content, { mode });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw writeFailure(error, path) ?? error;
  }
}
