import type { Command } from 'commander';
import { segment } from '../api-client.js';
import type { ItemsPage } from '../api-types.js';
import type { CliContext } from '../cli-context.js';
import { usageError } from '../cli-error.js';
import { readTextFile } from '../data-file.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable } from '../text-format.js';

/** A signing key as `GET /api/v1/keys/signing` lists it. */
interface SigningKeyListing {
  readonly kid: string;
  readonly status: 'active' | 'retired' | 'revoked';
  readonly createdAt: string;
  readonly retiredAt: string | null;
  readonly revokedSince: string | null;
  readonly revokedReason: string | null;
}

function parseSince(value: string): string {
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(time)) throw usageError(`--since ${value} is not an ISO 8601 time such as 2026-11-26T08:00:00Z`);
  return new Date(time).toISOString();
}

/** Registers `keys list|jwks|rotate|revoke`: the order-signing keys. */
export function registerKeyCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const keys = program.command('keys').description('the keys that sign released orders: list, JWKS, rotate, revoke (admins change them; every change is audited)');

  withJsonOption(keys.command('list').description('list the order-signing keys: active (signs new releases), retired (verifies), revoked'))
    .action(async (options: { json?: boolean }, command: Command) => {
      const { api } = await context.connect(command);
      const page = await api.get<ItemsPage<SigningKeyListing>>('/api/v1/keys/signing');
      if (options.json) return printJson(io, page);
      printLines(io, formatTable<SigningKeyListing>([
        { heading: 'kid', value: (row) => row.kid },
        { heading: 'status', value: (row) => row.status },
        { heading: 'created', value: (row) => row.createdAt },
        { heading: 'retired', value: (row) => row.retiredAt ?? '' },
        { heading: 'revoked since', value: (row) => row.revokedSince ?? '' },
      ], page.items));
    });

  keys.command('jwks').description('print the order-signing JWKS (what devices and `order verify-jws` verify with)')
    .action(async (_options: unknown, command: Command) => {
      const { api } = await context.connect(command);
      io.out(JSON.stringify(await api.get<unknown>('/api/v1/keys'), null, 2));
    });

  withJsonOption(keys.command('rotate').description('make a new active signing key; the old one is retired and still verifies what it signed'))
    .action(async (options: { json?: boolean }, command: Command) => {
      const { api } = await context.connect(command);
      const result = await api.post<{ active: SigningKeyListing; retired: string | null }>('/api/v1/keys/rotate');
      if (options.json) return printJson(io, result);
      io.out(`new active signing key ${result.active.kid}${result.retired ? `; ${result.retired} retired (it still verifies what it signed)` : ''}`);
    });

  withJsonOption(
    keys.command('rotate-kek')
      .description('replace the keyring\'s key-encryption key while the server runs: every wrapped key is re-wrapped, then the old KEK is removed')
      .option('--new-passphrase-file <file>', 'passphrase keyrings: read the new passphrase from this file (start the server with it from now on)'),
  ).action(async (options: { newPassphraseFile?: string; json?: boolean }, command: Command) => {
      const newPassphrase = options.newPassphraseFile === undefined ? undefined : (await readTextFile(options.newPassphraseFile)).replace(/\r?\n$/, '');
      const { api } = await context.connect(command);
      const result = await api.post<{ from: string; to: string; dataKeys: number; signingKeys: number; totpSecrets: number; retired: boolean }>('/api/v1/keys/rotate-kek', newPassphrase === undefined ? {} : { newPassphrase });
      if (options.json) return printJson(io, result);
      io.out(`key-encryption key ${result.from} replaced by ${result.to}: ${result.dataKeys} order data keys, ${result.signingKeys} signing keys and ${result.totpSecrets} second-factor secrets re-wrapped; ` +
        (result.retired ? `${result.from} removed from the keyring` : `${result.from} kept (keys still wrapped with it)`));
    });

  withJsonOption(
    keys.command('revoke')
      .description('mark a signing key compromised from a time on: whatever it signed then or later is refused everywhere')
      .argument('<kid>', 'the key id')
      .requiredOption('--since <time>', 'refuse signatures made at or after this time (ISO 8601)', parseSince)
      .requiredOption('--reason <text>', 'why (recorded in the audit log)'),
  ).action(async (kid: string, options: { since: string; reason: string; json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const result = await api.post<{ revoked: SigningKeyListing; active: string }>(`/api/v1/keys/${segment(kid)}/revoke`, { since: options.since, reason: options.reason });
    if (options.json) return printJson(io, result);
    io.out(`revoked ${result.revoked.kid} since ${result.revoked.revokedSince ?? options.since}; signing with ${result.active}`);
  });
}
