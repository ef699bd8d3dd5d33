import type { Command } from 'commander';
import { ApiClient, type FetchFunction } from './api-client.js';
import type { CliConfig } from './cli-config.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { resolveConnection, type Connection, type ConnectionFlags } from './connection.js';
import { CredentialsStore } from './credentials-store.js';
import { readTextFile } from './data-file.js';

/** What the composition root hands the commands: the terminal, the configuration and the seams tests replace. */
export interface CliDeps {
  readonly io: CliIo;
  readonly config: CliConfig;
  /** Replaces undici's fetch (tests). */
  readonly fetch?: FetchFunction;
  /** Replaces the clock (tests). */
  readonly now?: () => Date;
}

/** A client with the connection it was made for. */
export interface Session {
  readonly api: ApiClient;
  readonly connection: Connection;
}

/**
 * The state one CLI run shares between its commands: configuration, terminal,
 * saved credentials, and the API clients it opened (closed at the end of the run).
 */
export class CliContext {
  readonly io: CliIo;
  readonly config: CliConfig;
  readonly credentials: CredentialsStore;
  readonly now: () => Date;
  private readonly clients: ApiClient[] = [];

  constructor(private readonly deps: CliDeps) {
    this.io = deps.io;
    this.config = deps.config;
    this.credentials = new CredentialsStore(deps.config.credentialsFile);
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Opens a client for the command's `--server`/`--ca`. With `auth` (the default)
   * a token is required: a missing or expired login is a clear error before any request.
   */
  async connect(command: Command, options: { auth?: boolean; clientCertificate?: { cert: string; key: string } } = {}): Promise<Session> {
    const flags = command.optsWithGlobals<ConnectionFlags>();
    const connection = resolveConnection(this.config, flags, await this.credentials.read());
    if (options.auth !== false) this.checkLogin(connection);
    const caPem = connection.caFile ? await readTextFile(connection.caFile) : null;
    const api = new ApiClient({
      baseUrl: connection.baseUrl, token: options.auth === false ? null : connection.token, caPem, fetch: this.deps.fetch, clientCertificate: options.clientCertificate,
    });
    this.clients.push(api);
    return { api, connection };
  }

  /** Closes every client opened during the run. */
  async close(): Promise<void> {
    await Promise.allSettled(this.clients.splice(0).map((client) => client.close()));
  }

  private checkLogin(connection: Connection): void {
    if (!connection.token) throw new CliError('not-logged-in', `not logged in to ${connection.baseUrl}: run forgeline login (or set FORGELINE_TOKEN)`);
    const expiresAt = connection.login ? Date.parse(connection.login.expiresAt) : Number.NaN;
    if (!Number.isNaN(expiresAt) && expiresAt <= this.now().getTime()) {
      throw new CliError('not-logged-in', `your session at ${connection.baseUrl} expired at ${connection.login?.expiresAt}: run forgeline login`);
    }
  }
}
