/**
 * Running PostgreSQL's own client programs (pg_dump, pg_restore, psql): the connection URL
 * goes on the command line without its password, which travels in PGPASSWORD instead, so it
 * never shows in the process list. A failure is one line: the program, and its first error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ForgelineError } from '../domain/index.js';

/** The PostgreSQL client programs a backup uses. */
export const PG_PROGRAMS = ['pg_dump', 'pg_restore', 'psql'] as const;
/** One of {@link PG_PROGRAMS}. */
export type PgProgram = (typeof PG_PROGRAMS)[number];

/** How a program reaches the database: `--dbname` without the password, and the password apart. */
export interface PgTarget {
  readonly dbname: string;
  readonly password: string | undefined;
}

/** Splits a postgres:// URL into what libpq programs are given. */
export function pgTarget(url: string): PgTarget {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), password: password === '' ? undefined : password };
}

/** A started program: the child, and a promise of its end that rejects with one clear line when it fails. */
export interface PgRun {
  readonly child: ChildProcess;
  readonly done: Promise<void>;
}

/**
 * Starts `program args` with the target's environment. `stdin`/`stdout` say whether they are
 * piped (the caller connects them); stderr is kept for the error line.
 */
export function startPgTool(program: PgProgram, args: readonly string[], target: PgTarget, pipes: { stdin?: boolean; stdout?: boolean } = {}): PgRun {
  const child = spawn(program, args, {
    // The programs inherit this process's environment (PATH, locale, PGSSLMODE and the like), plus the password.
    env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...(target.password === undefined ? {} : { PGPASSWORD: target.password }) },
    stdio: [pipes.stdin ? 'pipe' : 'ignore', pipes.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ForgelineError('validation-failed', error.code === 'ENOENT'
        ? `${program} was not found on the PATH: install the PostgreSQL client programs (the same major version as the server or newer)`
        : `${program} could not be started (${error.code ?? error.message})`));
    });
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      // The first line that says what went wrong; psql and pg_dump prefix it with their name.
      const line = stderr.split('\n').map((text) => text.trim()).find((text) => /error|fatal|could not|failed/i.test(text)) ?? stderr.trim().split('\n')[0] ?? '';
      reject(new Error(`${program} failed with ${signal ?? `exit code ${code}`}${line === '' ? '' : `: ${line.slice(0, 300)}`}`));
    });
  });
  return { child, done };
}
