/** Helpers for backup tests: real data folders on either engine, opened with their own keys. */
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Actor } from '../../src/access/index.js';
import { systemClock } from '../../src/audit/index.js';
import type { ScryptParams } from '../../src/backup/index.js';
import { createServices, DATA_MANIFEST, initDataFolder, readManifest, storeOptionsFor, type Services } from '../../src/server/index.js';
import { loadAuditIdentity } from '../../src/server/audit-identity.js';
import { loadDataKeyring } from '../../src/server/data-keyring.js';
import { openDatabase, type StoreOptions } from '../../src/store/index.js';
import { SETUP_ADMIN, TEST_PASSWORD, TEST_PLANT } from '../support/factories.js';

/** The cheapest scrypt a backup header accepts, so tests do not spend seconds deriving keys. */
export const FAST_SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };
/** The passphrase of test backups. */
export const PASSPHRASE = 'offline vault passphrase 7';

/** A PostgreSQL URL whose connections use `schema` (libpq and pg both read `options`). */
export function withSearchPath(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** The database URL a data folder on `options`'s engine uses, or undefined for SQLite. */
export function folderUrl(options: StoreOptions): string | undefined {
  return options.kind === 'postgres' ? withSearchPath(options.url, options.schema ?? 'public') : undefined;
}

/** Schemas a test restores into, dropped (with every kept copy) by {@link RestoreSchemas.dropAll}. */
export class RestoreSchemas {
  readonly #prefix = `fl_bk_${randomBytes(5).toString('hex')}`;
  #count = 0;

  constructor(private readonly baseUrl: string | undefined) {}

  /** A fresh target URL (undefined on SQLite). */
  next(): string | undefined {
    if (this.baseUrl === undefined) return undefined;
    this.#count += 1;
    return withSearchPath(this.baseUrl, `${this.#prefix}_${this.#count}`);
  }

  /** The schemas of the database whose names start like this test's, and the temporary ones restores make. */
  async list(pattern = `${this.#prefix}%`): Promise<string[]> {
    if (this.baseUrl === undefined) return [];
    return withClient(this.baseUrl, async (client) => (await client.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1 order by nspname', [pattern])).rows.map((row) => row.nspname));
  }

  async dropAll(): Promise<void> {
    if (this.baseUrl === undefined) return;
    for (const schema of await this.list()) await withClient(this.baseUrl, (client) => client.query(`drop schema if exists "${schema}" cascade`));
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a data folder (admin password TEST_PASSWORD) keeping its data in SQLite, or in PostgreSQL at `databaseUrl`. */
export async function makeDataFolder(dir: string, databaseUrl: string | undefined): Promise<string> {
  const dataDir = join(dir, 'data');
  const passwordFile = join(dir, 'admin-password');
  await writeFile(passwordFile, TEST_PASSWORD);
  await initDataFolder({ dataDir, adminPasswordFile: passwordFile, databaseUrl });
  return dataDir;
}

/** A data folder opened as its server opens it: its store, audit key and keyring. */
export interface OpenFolder {
  readonly services: Services;
  close(): Promise<void>;
}

/** Opens a data folder's services with the folder's own audit identity and keyring. */
export async function openFolder(dataDir: string, databaseUrl: string | undefined): Promise<OpenFolder> {
  const manifest = await readManifest(dataDir);
  const store = await openDatabase(storeOptionsFor(dataDir, manifest, databaseUrl));
  const auditIdentity = await loadAuditIdentity(dataDir, manifest);
  const keyring = await loadDataKeyring(dataDir, join(dataDir, DATA_MANIFEST), manifest);
  return { services: createServices({ store, clock: systemClock, auditIdentity, keyring }), close: () => store.close() };
}

/** A plant, the items orders use and a planner; answers the planner and a maker of order inputs. */
export async function seedPlant(services: Services): Promise<{ planner: Actor; orderInput(number: string): Record<string, unknown> }> {
  const { nodes } = await services.plant.import(SETUP_ADMIN, TEST_PLANT);
  await services.items.create(SETUP_ADMIN, { code: 'GEAR-12', revision: 'A', description: 'Spur gear, 12 teeth', unit: 'pcs' });
  await services.items.create(SETUP_ADMIN, { code: 'STEEL-42', revision: 'A', description: 'Bar stock 42CrMo4', unit: 'kg' });
  const roles = [{ role: 'planner' as const, scopeNodeId: null }];
  const view = await services.users.add(SETUP_ADMIN, { username: 'pia.planner', displayName: 'Pia', password: TEST_PASSWORD, roles, temporaryPassword: false });
  const planner: Actor = { subject: { userId: view.id, username: 'pia.planner', roles, passwordMustChange: false }, source: 'test' };
  const mill = nodes.find((node) => node.code === 'wc-mill');
  if (mill === undefined) throw new Error('the test plant has no wc-mill');
  return {
    planner,
    orderInput: (number) => ({
      number,
      item: { code: 'GEAR-12', revision: 'A' },
      quantity: { value: '100', unit: 'pcs' },
      dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' },
      workCenterId: mill.id,
      operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }],
      materials: [{ line: 1, itemCode: 'STEEL-42', quantity: { value: '12.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 }],
      parameters: { recipe: `recipe of ${number}`, setpoints: [{ name: 'spindle-rpm', value: '2400', unit: 'rpm' }] },
      customerReference: `customer of ${number}`,
    }),
  };
}

/** The names in a folder, sorted: to prove a refused restore left nothing behind. */
export async function namesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
