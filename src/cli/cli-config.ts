import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CliError } from './cli-error.js';

/** Where the CLI looks for a server when nothing says otherwise. */
export const DEFAULT_SERVER = 'https://localhost:8443';

/** The data folder when neither `--data` nor `FORGELINE_DATA` names one. */
export const DEFAULT_DATA_DIR = './forgeline-data';

/**
 * Everything the CLI takes from its environment, parsed once at start-up and
 * frozen. Command-line flags override it; nothing else reads `process.env`.
 */
export interface CliConfig {
  /** `FORGELINE_SERVER`: the API base URL, or null to use the saved login or the default. */
  readonly server: string | null;
  /** `FORGELINE_TOKEN`: a bearer token that overrides the saved login. */
  readonly token: string | null;
  /** `FORGELINE_CA`: a PEM file of certificate authorities to trust. */
  readonly caFile: string | null;
  /** `FORGELINE_DATA`: the data folder (absolute); its `tls/ca.pem` is trusted when present. */
  readonly dataDir: string;
  /** `FORGELINE_CREDENTIALS`: where `login` saves the session. */
  readonly credentialsFile: string;
  /** `FORGELINE_DATABASE_URL`: PostgreSQL instead of the embedded SQLite, for init and serve. */
  readonly databaseUrl: string | null;
  /** `FORGELINE_HOST`: the address `serve` listens on. */
  readonly host: string | null;
  /** `FORGELINE_PORT`: the port `serve` listens on. */
  readonly port: number | null;
  /** `FORGELINE_DEBUG=1`: print stack traces of unexpected errors. */
  readonly debug: boolean;
}

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

/** An http(s) base URL, without a trailing slash. */
export const serverUrlSchema = z
  .string()
  .url('must be a URL such as https://localhost:8443')
  .refine((value) => /^https?:\/\//i.test(value), 'must start with https:// (or http:// for a server run with --insecure-http)')
  .transform((value) => value.replace(/\/+$/, ''));

/** A TCP port number (0 lets the system choose one). */
export const portSchema = z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0, 'must be 0 to 65535').max(65535, 'must be 0 to 65535');

const envSchema = z.object({
  FORGELINE_SERVER: optional(serverUrlSchema),
  FORGELINE_TOKEN: optional(z.string()),
  FORGELINE_CA: optional(z.string()),
  FORGELINE_DATA: optional(z.string()),
  FORGELINE_CREDENTIALS: optional(z.string()),
  FORGELINE_DATABASE_URL: optional(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')),
  FORGELINE_HOST: optional(z.string()),
  FORGELINE_PORT: optional(portSchema),
  FORGELINE_DEBUG: optional(z.string()),
});

/**
 * Parses the CLI's environment variables, listing every problem at once in one
 * `invalid-config` error. `home` replaces the user's home folder in tests.
 */
export function readCliConfig(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): CliConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new CliError('invalid-config', `invalid environment: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  return Object.freeze({
    server: vars.FORGELINE_SERVER ?? null,
    token: vars.FORGELINE_TOKEN ?? null,
    caFile: vars.FORGELINE_CA ? resolve(vars.FORGELINE_CA) : null,
    dataDir: resolve(vars.FORGELINE_DATA ?? DEFAULT_DATA_DIR),
    credentialsFile: resolve(vars.FORGELINE_CREDENTIALS ?? join(home, '.config', 'forgeline', 'credentials.json')),
    databaseUrl: vars.FORGELINE_DATABASE_URL ?? null,
    host: vars.FORGELINE_HOST ?? null,
    port: vars.FORGELINE_PORT ?? null,
    debug: vars.FORGELINE_DEBUG === '1' || vars.FORGELINE_DEBUG?.toLowerCase() === 'true',
  });
}
