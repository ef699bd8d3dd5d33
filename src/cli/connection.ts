import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SERVER, serverUrlSchema, type CliConfig } from './cli-config.js';
import { usageError } from './cli-error.js';
import type { Credentials } from './credentials-store.js';

/** The global flags that choose the server: `--server URL` and `--ca FILE`. */
export interface ConnectionFlags {
  readonly server?: string | undefined;
  readonly ca?: string | undefined;
}

/** Where to connect, with which token and which certificate authorities. */
export interface Connection {
  readonly baseUrl: string;
  /** The bearer token, or null when there is no login for this server. */
  readonly token: string | null;
  /** The saved login the token came from, or null when it came from FORGELINE_TOKEN or nowhere. */
  readonly login: Credentials | null;
  /** A PEM file of certificate authorities to trust, or null for the system's. */
  readonly caFile: string | null;
}

/** Validates a `--server` value. */
export function parseServerUrl(value: string): string {
  const parsed = serverUrlSchema.safeParse(value);
  if (!parsed.success) throw usageError(`--server ${value}: ${parsed.error.issues[0]?.message ?? 'not a URL'}`);
  return parsed.data;
}

/**
 * Decides the connection, each setting taken from the first that gives one:
 * server from `--server`, `FORGELINE_SERVER`, the saved login, the default;
 * token from `FORGELINE_TOKEN`, then the saved login if it is for that server;
 * CA from `--ca`, `FORGELINE_CA`, the saved login, then `<data>/tls/ca.pem` if present.
 */
export function resolveConnection(
  config: CliConfig,
  flags: ConnectionFlags,
  saved: Credentials | null,
  fileExists: (path: string) => boolean = existsSync,
): Connection {
  const baseUrl = flags.server ? parseServerUrl(flags.server) : (config.server ?? saved?.server ?? DEFAULT_SERVER);
  const login = saved && saved.server === baseUrl ? saved : null;
  const dataCa = join(config.dataDir, 'tls', 'ca.pem');
  const caFile = flags.ca ? resolve(flags.ca) : (config.caFile ?? login?.ca ?? (fileExists(dataCa) ? dataCa : null));
  return { baseUrl, token: config.token ?? login?.token ?? null, login: config.token ? null : login, caFile };
}
