import { tempFolder } from '../support/temp-folders.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliInput } from '../../src/cli/cli-io.js';
import { promptHidden, readSecret, readSecretFile } from '../../src/cli/secret-input.js';
import { captureIo } from './cli-harness.js';

/** A stand-in terminal: a stream that says it is a TTY and records raw-mode switches. */
function fakeTerminal() {
  const stream = new PassThrough();
  const modes: boolean[] = [];
  const input = Object.assign(stream, { isTTY: true, setRawMode: (mode: boolean) => modes.push(mode) }) as unknown as CliInput;
  return { input, modes, type: (text: string) => stream.write(text) };
}

describe('reading passwords', () => {
  it('prompts without echo in raw mode, honours backspace, and restores the terminal', async () => {
    const terminal = fakeTerminal();
    const io = { ...captureIo(), stdin: terminal.input };
    const answer = promptHidden(io, 'password: ');
    terminal.type('hunter\u007f\u007fer22\r');
    await expect(answer).resolves.toBe('hunter22');
    expect(terminal.modes).toEqual([true, false]);
    // The prompt and a newline are all that is shown: the password is never echoed.
    expect(io.stderr.join('')).toBe('password: \n');
  });

  it('cancels on Ctrl-C', async () => {
    const terminal = fakeTerminal();
    const io = { ...captureIo(), stdin: terminal.input };
    const answer = promptHidden(io, 'password: ');
    terminal.type('abc\u0003');
    await expect(answer).rejects.toThrow('cancelled');
    expect(terminal.modes).toEqual([true, false]);
  });

  it('reads a password file without its trailing newline, and refuses an empty one', async () => {
    const folder = tempFolder('forgeline-secret-');
    await writeFile(join(folder, 'pw'), ' spaced pass \r\n');
    await writeFile(join(folder, 'empty'), '\n');
    expect(await readSecretFile(join(folder, 'pw'))).toBe(' spaced pass ');
    await expect(readSecretFile(join(folder, 'empty'))).rejects.toThrow(/is empty/);
  });

  it('takes the first line of a piped stdin when there is no file and no terminal', async () => {
    expect(await readSecret(captureIo('from-pipe\nrest\n'), undefined, 'password: ')).toBe('from-pipe');
  });
});
