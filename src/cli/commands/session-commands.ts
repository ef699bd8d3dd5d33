import type { Command } from 'commander';
import { ApiError } from '../api-error.js';
import type { OwnUserView, SessionCreated } from '../api-types.js';
import { usageError } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import { formatRoles, printJson, printLines, withJsonOption, yesNo } from '../output.js';
import { promptHidden, promptLine, readOneTimeCode, readSecret, readSecretFile } from '../secret-input.js';
import { formatKeyValues } from '../text-format.js';

interface LoginOptions {
  readonly username?: string;
  readonly passwordFile?: string;
  readonly totp?: string;
  readonly totpFile?: string;
}

interface PasswdOptions {
  readonly currentFile?: string;
  readonly newFile?: string;
}

async function newPassword(context: CliContext, file: string | undefined): Promise<string> {
  if (file) return readSecretFile(file);
  if (!context.io.stdin.isTTY) throw usageError('give --new-file (no terminal to prompt on)');
  const first = await promptHidden(context.io, 'new password: ');
  const again = await promptHidden(context.io, 'new password again: ');
  if (first !== again) throw usageError('the two new passwords differ');
  return first;
}

/** Registers `login`, `logout`, `passwd` and `whoami`: the session of the person at the terminal. */
export function registerSessionCommands(program: Command, context: CliContext): void {
  const { io } = context;

  program
    .command('login')
    .description('sign in and save the session token, owner-only (0600), for the commands that follow')
    .option('--username <name>', 'who signs in (prompted on a terminal when left out)')
    .option('--password-file <file>', 'read the password from a file; else it is prompted without echo on a terminal, else read from stdin')
    .option('--totp <code>', 'the current code of your authenticator app, or a recovery code (prompted on a terminal when the server asks for one)')
    .option('--totp-file <file>', 'read that code from a file, for scripts')
    .action(async (options: LoginOptions, command: Command) => {
      if (options.totp !== undefined && options.totpFile !== undefined) throw usageError('give --totp or --totp-file, not both');
      const { api, connection } = await context.connect(command, { auth: false });
      const username = options.username ?? (io.stdin.isTTY ? (await promptLine(io, 'username: ')).trim() : '');
      if (username === '') throw usageError('give --username');
      const password = await readSecret(io, options.passwordFile, `password for ${username} at ${connection.baseUrl}: `);
      const given = options.totp !== undefined || options.totpFile !== undefined
        ? await readOneTimeCode(io, { value: options.totp, file: options.totpFile }, '', '--totp')
        : undefined;
      const signIn = (totp: string | undefined) => api.post<SessionCreated>('/api/v1/sessions', { username, password, ...(totp === undefined ? {} : { totp }) });
      let session: SessionCreated;
      try {
        session = await signIn(given);
      } catch (error) {
        // The server asks for the second factor only once the password is right: then ask the person, or say how to give it.
        if (!(error instanceof ApiError) || error.code !== 'mfa-required' || given !== undefined) throw error;
        if (!io.stdin.isTTY) throw new ApiError({ status: error.status, code: error.code, detail: `${username} has a second factor: give --totp CODE (or --totp-file FILE) with the code from the authenticator app` });
        session = await signIn(await readOneTimeCode(io, {}, 'code from your authenticator app (or a recovery code): ', '--totp'));
      }
      await context.credentials.write({ server: connection.baseUrl, token: session.token, ca: connection.caFile, username, expiresAt: session.expiresAt });
      io.out(`logged in to ${connection.baseUrl} as ${username} until ${session.expiresAt}`);
      if (session.passwordChangeRequired) io.err('this password is temporary: change it now with forgeline passwd');
      if (session.mfaEnrollmentRequired) io.err('a role of yours requires a second factor: enrol one now with forgeline mfa enroll (nothing else works until you do)');
    });

  program
    .command('logout')
    .description('end the session on the server and delete the saved token')
    .action(async (_options: unknown, command: Command) => {
      const saved = await context.credentials.read().catch(() => null);
      if (saved || context.config.token) {
        try {
          const { api } = await context.connect(command);
          await api.delete('/api/v1/sessions/current');
        } catch (error) {
          // The local token goes regardless: a user logging out must not stay signed in because of a network failure.
          io.err(`forgeline: the server did not end the session (${error instanceof Error ? error.message : String(error)}); the saved token is deleted anyway`);
        }
      }
      const removed = await context.credentials.remove();
      io.out(removed ? 'logged out' : 'not logged in');
    });

  program
    .command('passwd')
    .description('change your own password (prompted on a terminal when the files are left out)')
    .option('--current-file <file>', 'a file holding the current password')
    .option('--new-file <file>', 'a file holding the new password')
    .action(async (options: PasswdOptions, command: Command) => {
      const { api } = await context.connect(command);
      if (!options.currentFile && !io.stdin.isTTY) throw usageError('give --current-file and --new-file (no terminal to prompt on)');
      const currentPassword = options.currentFile ? await readSecretFile(options.currentFile) : await promptHidden(io, 'current password: ');
      const password = await newPassword(context, options.newFile);
      await api.post('/api/v1/users/me/password', { currentPassword, newPassword: password });
      io.out('password changed; your other sessions have ended');
    });

  withJsonOption(
    program
      .command('whoami')
      .description('show who you are signed in as, and your roles'),
  ).action(async (options: { json?: boolean }, command: Command) => {
    const { api, connection } = await context.connect(command);
    const me = await api.get<OwnUserView>('/api/v1/users/me');
    if (options.json) return printJson(io, me);
    printLines(
      io,
      formatKeyValues([
        ['username', me.username],
        ['name', me.displayName],
        ['id', me.id],
        ['roles', Array.isArray(me.roles) ? formatRoles(me.roles) : undefined],
        ['must change password', me.passwordMustChange === undefined ? undefined : yesNo(me.passwordMustChange)],
        ['second factor', me.mfaEnabled === undefined ? undefined : me.mfaEnabled ? 'enrolled' : me.mfaEnrollmentRequired ? 'required, not enrolled: forgeline mfa enroll' : 'not enrolled'],
        ['server', connection.baseUrl],
        ['session expires', connection.login?.expiresAt],
      ]),
    );
  });
}
