/**
 * The terminal as the CLI sees it: where lines go and where input comes from.
 * Commands write through this, never to `process` directly, so tests capture
 * their output and swap the terminal for a fake one.
 */

/** A readable input the CLI may prompt on (process.stdin in production). */
export interface CliInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** The CLI's window on the terminal. */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output: the result, for humans or scripts. */
  out(line: string): void;
  /** Writes one line to standard error: messages, warnings, hints. */
  err(line: string): void;
  /** Writes raw text to standard error, for progress bars and prompts. */
  errRaw(text: string): void;
  /** Standard input, for passwords when no file is given. */
  readonly stdin: CliInput;
  /** Standard error is a terminal: progress bars are drawn only then. */
  readonly stderrIsTty: boolean;
}

/** The real terminal of this process. */
export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    errRaw: (text) => process.stderr.write(text),
    stdin: process.stdin,
    stderrIsTty: process.stderr.isTTY === true,
  };
}
