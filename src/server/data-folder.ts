import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { assertPasswordAcceptable } from '../access/index.js';
import { systemClock } from '../audit/index.js';
import { createCertificateAuthority, issueServerCertificate, randomToken } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import { openDatabase, type StoreOptions } from '../store/index.js';
import { createAuditKey } from './audit-identity.js';
import { checkKeyringChoice, createDataKeyring, keyringManifestSchema, type KeyringChoice } from './data-keyring.js';
import { createServices } from './services.js';

/** The file that marks an initialized data folder and says where its parts are. */
export const DATA_MANIFEST = 'forgeline.json';

const manifestSchema = z.strictObject({
  format: z.literal(1),
  createdAt: z.string(),
  database: z.union([z.strictObject({ kind: z.literal('sqlite'), file: z.string() }), z.strictObject({ kind: z.literal('postgres') })]),
  tls: z.strictObject({
    ca: z.string(),
    caKey: z.string(),
    cert: z.string(),
    key: z.string(),
    /** A server certificate and key the operator imported (`forgeline tls import`): served instead of `cert` and `key`. */
    operator: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
  }),
  /** The audit log's checkpoint origin and signing key (absent in folders made before the audit log). */
  audit: z.strictObject({ origin: z.string(), signingKey: z.string() }).optional(),
  /** Where the key-encryption key lives (absent in folders made before the keyring: a file keyring is made on first load). */
  keyring: keyringManifestSchema.optional(),
});

/** What a data folder holds: where the database and the TLS material are. */
export type DataManifest = z.infer<typeof manifestSchema>;

/** Options of {@link initDataFolder}. */
export interface InitOptions {
  readonly dataDir: string;
  /** A file holding the first admin's password; without it one is generated and must be changed at first sign-in. */
  readonly adminPasswordFile?: string | undefined;
  /** `postgres://…` to keep the data in PostgreSQL instead of the embedded SQLite file. */
  readonly databaseUrl?: string | undefined;
  /** Where the key-encryption key lives: a file in the folder (default), a passphrase, or an external command. */
  readonly keyring?: KeyringChoice | undefined;
}

/** What init did. */
export interface InitResult {
  readonly created: boolean;
  readonly adminUsername: string;
  /** The generated one-time password, to print once; null when it came from a file. */
  readonly adminPassword: string | null;
  readonly caPath: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Reads a data folder's manifest, or throws a clear error when the folder is not initialized. */
export async function readManifest(dataDir: string): Promise<DataManifest> {
  const path = join(dataDir, DATA_MANIFEST);
  if (!(await exists(path))) throw new ForgelineError('not-found', `${resolve(dataDir)} is not a Forgeline data folder; run \`forgeline init --data ${dataDir}\` first`);
  const parsed = manifestSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new ForgelineError('validation-failed', `${path} is damaged: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Where a data folder's database is: PostgreSQL when a URL is given, else the folder's SQLite file. */
export function storeOptionsFor(dataDir: string, manifest: DataManifest, databaseUrl?: string): StoreOptions {
  if (databaseUrl) return { kind: 'postgres', url: databaseUrl };
  if (manifest.database.kind === 'postgres') throw new ForgelineError('validation-failed', 'This data folder keeps its data in PostgreSQL: set FORGELINE_DATABASE_URL or --database-url');
  return { kind: 'sqlite', file: join(dataDir, manifest.database.file) };
}

async function writePrivate(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}

/**
 * Creates a data folder: the database (migrated), a CA and a server certificate for
 * localhost and this host, and the first administrator. Refuses a folder that is
 * already initialized, so nothing is ever overwritten.
 */
export async function initDataFolder(options: InitOptions): Promise<InitResult> {
  const dataDir = resolve(options.dataDir);
  if (await exists(join(dataDir, DATA_MANIFEST))) {
    throw new ForgelineError('conflict', `${dataDir} is already initialized; nothing was changed`);
  }
  let adminPassword: string | null = null;
  let password: string;
  if (options.adminPasswordFile) {
    password = (await readFile(options.adminPasswordFile, 'utf8').catch(() => {
      throw new ForgelineError('not-found', `cannot read the admin password file ${options.adminPasswordFile}`);
    })).replace(/\r?\n$/, '');
    // Checked before anything is created, so a refused password leaves no half-made folder behind.
    assertPasswordAcceptable(password, 'admin', 'admin password');
  } else {
    password = randomToken(18);
    adminPassword = password;
  }
  await checkKeyringChoice(options.keyring);
  await mkdir(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const ca = await createCertificateAuthority({ commonName: `Forgeline CA ${hostname()}`.slice(0, 64), validityDays: 3650 });
  const server = await issueServerCertificate(ca, {
    commonName: 'localhost',
    dnsNames: [...new Set(['localhost', hostname()].filter((name) => /^[A-Za-z0-9.-]+$/.test(name)))],
    ipAddresses: ['127.0.0.1', '::1'],
    validityDays: 397,
  });
  const keyring = await createDataKeyring(dataDir, options.keyring);
  const manifest: DataManifest = {
    format: 1,
    createdAt: new Date().toISOString(),
    database: options.databaseUrl ? { kind: 'postgres' } : { kind: 'sqlite', file: 'forgeline.db' },
    tls: { ca: 'tls/ca.pem', caKey: 'tls/ca-key.pem', cert: 'tls/server.pem', key: 'tls/server-key.pem' },
    audit: await createAuditKey(dataDir),
    keyring: keyring.manifest,
  };
  const store = await openDatabase(storeOptionsFor(dataDir, manifest, options.databaseUrl));
  try {
    const services = createServices({ store, clock: systemClock, keyring: keyring.keyring });
    await services.users.bootstrapAdmin('admin', password, adminPassword !== null);
    // The first order-signing key, wrapped by the keyring just made (audited as key.create).
    await services.signingKeys.ensureActiveKey();
  } finally {
    await store.close();
  }
  await writeFile(join(dataDir, manifest.tls.ca), ca.certificatePem, { mode: 0o644 });
  await writePrivate(join(dataDir, manifest.tls.caKey), ca.privateKeyPem);
  await writeFile(join(dataDir, manifest.tls.cert), server.chainPem, { mode: 0o644 });
  await writePrivate(join(dataDir, manifest.tls.key), server.privateKeyPem);
  // The manifest goes last: a folder with one is complete.
  await writePrivate(join(dataDir, DATA_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { created: true, adminUsername: 'admin', adminPassword, caPath: join(dataDir, manifest.tls.ca) };
}
