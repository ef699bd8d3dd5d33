import { CommanderError } from 'commander';
import { isForgelineError } from '../domain/index.js';
import { ApiError, type ApiProblem } from './api-error.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { printable } from './text-format.js';

/** How many field problems one error line lists before "and N more". */
const MAX_PROBLEMS = 5;

/** What the boundary makes of an error: the one line to print (or none) and the exit code. */
export interface ErrorReport {
  readonly line: string | null;
  readonly exitCode: number;
  /** The error was not one the CLI expects: a bug or an environment failure. */
  readonly unexpected: boolean;
}

function oneLine(text: string): string {
  return printable(text.replace(/\s*\r?\n\s*/g, ' ')).trim();
}

function withProblems(detail: string, problems: readonly ApiProblem[]): string {
  // Servers often put the first problem in the detail already; list only what it does not say.
  const unsaid = problems.filter((problem) => !detail.includes(problem.message));
  if (unsaid.length === 0) return detail;
  const listed = unsaid.slice(0, MAX_PROBLEMS).map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message));
  const more = unsaid.length > MAX_PROBLEMS ? `; and ${unsaid.length - MAX_PROBLEMS} more` : '';
  return `${detail} (${listed.join('; ')}${more})`;
}

/** The line for the operating-system failures a user can fix (a missing file, a taken port), or null. */
function systemErrorLine(errno: Partial<NodeJS.ErrnoException>): string | null {
  if (errno.code === 'ENOENT' && errno.path) return `file-not-found: ${oneLine(errno.path)}: no such file or folder`;
  if ((errno.code === 'EACCES' || errno.code === 'EPERM') && errno.path) return `file-unreadable: ${oneLine(errno.path)}: permission denied`;
  if (errno.code === 'EADDRINUSE') return `address-in-use: ${oneLine(errno.message ?? 'the address is in use')}: is another server running?`;
  return null;
}

/** Classifies any error thrown during a run into what the user sees and the exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CommanderError) {
    // Help and version output end the run normally; help shown for a missing subcommand is a usage error.
    if (error.exitCode === 0) return { line: null, exitCode: 0, unexpected: false };
    if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') return { line: null, exitCode: 2, unexpected: false };
    return { line: `usage: ${oneLine(error.message.replace(/^error:\s*/, ''))}`, exitCode: 2, unexpected: false };
  }
  if (error instanceof ApiError) return { line: `${error.code}: ${oneLine(withProblems(error.detail, error.problems))}`, exitCode: 1, unexpected: false };
  if (isForgelineError(error)) return { line: `${error.code}: ${oneLine(withProblems(error.message, error.problems))}`, exitCode: 1, unexpected: false };
  if (error instanceof CliError) return { line: `${error.code}: ${oneLine(error.message)}`, exitCode: error.exitCode, unexpected: false };
  const systemLine = systemErrorLine(error as Partial<NodeJS.ErrnoException>);
  if (systemLine) return { line: systemLine, exitCode: 1, unexpected: false };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `internal error: ${oneLine(message) || 'unknown failure'}`, exitCode: 1, unexpected: true };
}

/**
 * The CLI's one error boundary: prints ONE line `forgeline: <code>: <detail>` to
 * standard error and returns the exit code (2 for usage errors, 1 otherwise).
 * A stack trace is printed only for unexpected errors and only when `debug`.
 */
export function reportError(error: unknown, io: CliIo, debug: boolean): number {
  const report = describeError(error);
  if (report.line !== null) io.err(`forgeline: ${report.line}`);
  if (debug && report.unexpected && error instanceof Error && error.stack) io.err(error.stack);
  return report.exitCode;
}
