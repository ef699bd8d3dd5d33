import { CliError, usageError } from './cli-error.js';
import type { CliInput, CliIo } from './cli-io.js';
import { readTextFile } from './data-file.js';

/** Reads a password from a file: the whole content without one trailing newline. */
export async function readSecretFile(path: string): Promise<string> {
  const secret = (await readTextFile(path)).replace(/\r?\n$/, '');
  if (secret === '') throw new CliError('invalid-file', `${path} is empty: it must hold the password`);
  return secret;
}

/**
 * Prompts on a terminal without echoing what is typed (raw mode): Enter ends,
 * Backspace erases, Ctrl-C cancels.
 */
export function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const input = io.stdin;
  if (!input.isTTY || !input.setRawMode) return Promise.reject(usageError('no terminal to prompt on'));
  io.errRaw(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      io.errRaw('\n');
    };
    function onData(chunk: string | Buffer): void {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new CliError('cancelled', 'cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    }
    input.on('data', onData);
  });
}

/** Reads all of a non-terminal input (a pipe or a file) and returns its first line. */
export async function readFirstLine(input: CliInput): Promise<string> {
  input.setEncoding('utf8');
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Prompts for one line with echo (a username) on a terminal; the end of input ends the line too. */
export function promptLine(io: CliIo, prompt: string): Promise<string> {
  const input = io.stdin;
  io.errRaw(prompt);
  input.setEncoding('utf8');
  return new Promise((resolve) => {
    let text = '';
    const done = (line: string): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: string | Buffer): void => {
      text += String(chunk);
      const end = text.search(/\r?\n/);
      if (end >= 0) done(text.slice(0, end));
    };
    const onEnd = (): void => done(text);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

/**
 * The password for login or an electronic signature: from `file` when given,
 * else prompted without echo on a terminal, else the first line of stdin.
 */
export async function readSecret(io: CliIo, file: string | undefined, prompt: string): Promise<string> {
  if (file) return readSecretFile(file);
  const secret = io.stdin.isTTY ? await promptHidden(io, prompt) : await readFirstLine(io.stdin);
  if (secret === '') throw new CliError('cancelled', 'no password given');
  return secret;
}

/**
 * A one-time code (TOTP or recovery code): `value` when given, else read from
 * `file`, else prompted on a terminal; without any of them it is a usage error
 * naming `hint`, the options that give it.
 */
export async function readOneTimeCode(io: CliIo, source: { value?: string | undefined; file?: string | undefined }, prompt: string, hint: string): Promise<string> {
  const given = source.value ?? (source.file ? await readSecretFile(source.file) : undefined);
  if (given !== undefined) return given.trim();
  if (!io.stdin.isTTY) throw usageError(`give ${hint} (no terminal to prompt on)`);
  const typed = (await promptLine(io, prompt)).trim();
  if (typed === '') throw new CliError('cancelled', 'no code given');
  return typed;
}
