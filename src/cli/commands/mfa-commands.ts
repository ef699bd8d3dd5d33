import type { Command } from 'commander';
import { segment } from '../api-client.js';
import type { MfaEnrolmentView, MfaStatusView, RecoveryCodesView } from '../api-types.js';
import { usageError } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { printJson, printLines, withJsonOption, yesNo } from '../output.js';
import { readOneTimeCode, readSecret } from '../secret-input.js';
import { formatKeyValues, printable } from '../text-format.js';

interface EnrollOptions {
  readonly code?: string;
  readonly json?: boolean;
}

interface ReauthOptions {
  readonly passwordFile?: string;
  readonly code?: string;
  readonly codeFile?: string;
}

/** Prints recovery codes once, with what they are for. */
function printRecoveryCodes(io: CliIo, codes: readonly string[]): void {
  io.out('recovery codes (each works once in place of a code; keep them somewhere safe, they are not shown again):');
  for (const code of codes) io.out(`  ${printable(code)}`);
}

/** The terminal QR code of an otpauth URI; the QR module is loaded only by this command. */
async function terminalQr(uri: string): Promise<string> {
  const { qrTerminal } = await import('../../access/index.js');
  return qrTerminal(uri);
}

/** Registers `mfa status|enroll|recovery-codes|disable|reset`: the second factor (TOTP) of the person signed in, and admins' reset. */
export function registerMfaCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const mfa = program.command('mfa').description('your second factor (TOTP authenticator app): enrol, recovery codes, disable; admins reset others');

  const reauth = async (options: ReauthOptions): Promise<{ password: string; code: string }> => {
    if (options.code !== undefined && options.codeFile !== undefined) throw usageError('give --code or --code-file, not both');
    const password = await readSecret(io, options.passwordFile, 'your password: ');
    const code = await readOneTimeCode(io, { value: options.code, file: options.codeFile }, 'code from your authenticator app (or a recovery code): ', '--code CODE or --code-file FILE');
    return { password, code };
  };
  const reauthOptions = (command: Command): Command =>
    command
      .option('--password-file <file>', 'read your password from a file; else prompted on a terminal, else read from stdin')
      .option('--code <code>', 'the current code of your authenticator app, or a recovery code (prompted on a terminal)')
      .option('--code-file <file>', 'read that code from a file');

  withJsonOption(mfa.command('status').description('show whether your second factor is enrolled or required, and how many recovery codes are left')).action(
    async (options: { json?: boolean }, command: Command) => {
      const { api } = await context.connect(command);
      const status = await api.get<MfaStatusView>('/api/v1/users/me/mfa');
      if (options.json) return printJson(io, status);
      printLines(io, formatKeyValues([
        ['enrolled', yesNo(status.enrolled)],
        ['since', status.enabledAt],
        ['required', yesNo(status.required)],
        ['recovery codes left', status.enrolled ? status.recoveryCodesLeft : undefined],
        ['enrolment waiting until', status.pendingUntil],
      ]));
    },
  );

  mfa
    .command('enroll')
    .alias('enrol')
    .description('enrol an authenticator app: shows a QR code, the otpauth URI and the secret, then takes the first code; prints recovery codes once')
    .option('--code <code>', 'confirm the enrolment started before (without a terminal) with the first code the app shows')
    .option('--json', "print the API's JSON answers as they are, for scripts")
    .action(async (options: EnrollOptions, command: Command) => {
      const { api } = await context.connect(command);
      const confirm = async (code: string): Promise<void> => {
        const confirmed = await api.post<RecoveryCodesView>('/api/v1/users/me/mfa/confirm', { code });
        if (options.json) return printJson(io, confirmed);
        io.out(`second factor enrolled${confirmed.enabledAt ? ` at ${confirmed.enabledAt}` : ''}: sign in with --totp CODE from now on`);
        printRecoveryCodes(io, confirmed.recoveryCodes);
      };
      if (options.code !== undefined) return confirm(options.code.trim());
      const enrolment = await api.post<MfaEnrolmentView>('/api/v1/users/me/mfa/enrolment');
      if (options.json) printJson(io, enrolment);
      else {
        io.out('scan this QR code with your authenticator app (or type in the secret below):');
        io.out(await terminalQr(enrolment.otpauthUri));
        io.out(`otpauth URI: ${printable(enrolment.otpauthUri)}`);
        io.out(`secret: ${printable(enrolment.secret)} (TOTP, SHA-1, 6 digits, 30 s)`);
      }
      if (!io.stdin.isTTY) {
        io.err(`then confirm before ${enrolment.expiresAt} with: forgeline mfa enroll --code CODE (the code the app shows)`);
        return;
      }
      await confirm(await readOneTimeCode(io, {}, 'first code shown by the app: ', '--code'));
    });

  reauthOptions(mfa.command('recovery-codes').description('replace your recovery codes (password and a current code needed); the old ones stop working')).action(
    async (options: ReauthOptions, command: Command) => {
      const { api } = await context.connect(command);
      const fresh = await api.post<RecoveryCodesView>('/api/v1/users/me/mfa/recovery-codes', await reauth(options));
      printRecoveryCodes(io, fresh.recoveryCodes);
    },
  );

  reauthOptions(mfa.command('disable').description('remove your second factor (password and a current code needed); refused while a role of yours requires one')).action(
    async (options: ReauthOptions, command: Command) => {
      const { api } = await context.connect(command);
      await api.post('/api/v1/users/me/mfa/disable', await reauth(options));
      io.out('second factor removed: sign-in needs only your password');
    },
  );

  mfa
    .command('reset')
    .description("reset another user's second factor (admins), e.g. after a lost phone: their sessions end and they enrol again")
    .argument('<user>', 'username or id')
    .option('--reason <text>', 'why, for the audit log')
    .action(async (who: string, options: { reason?: string }, command: Command) => {
      const { api } = await context.connect(command);
      await api.post(`/api/v1/users/${segment(who)}/mfa/reset`, options.reason === undefined ? {} : { reason: options.reason });
      io.out(`reset the second factor of ${who}; they enrol again at their next sign-in`);
    });
}
