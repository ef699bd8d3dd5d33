/**
 * Runs one test file on every database engine, as Kysely's tests loop over
 * dialects: a fresh SQLite file or a fresh PostgreSQL schema per test.
 *
 * Environment: FORGELINE_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), FORGELINE_TEST_ENGINES
 * (comma-separated subset, default all), FORGELINE_REQUIRE_SERVICES=1 to
 * fail rather than skip when PostgreSQL is unreachable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { openDatabase, storeKinds, type Store, type StoreKind, type StoreOptions } from '../../src/store/index.js';

/** The PostgreSQL database the tests use unless FORGELINE_TEST_DATABASE_URL says otherwise. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const PROBE_TIMEOUT_MS = 3_000;

/** A fresh, empty database on one engine, and how to remove it. */
export interface TestDatabase {
  readonly options: StoreOptions;
  drop(): Promise<void>;
}

/** An engine the tests may run on. */
export interface Engine {
  readonly kind: StoreKind;
  /** Why the engine cannot run here; undefined when it can. */
  readonly unavailable: string | undefined;
  /** Creates an empty database: a temp folder and file, or a random schema. */
  createDatabase(): Promise<TestDatabase>;
}

/** What a test body gets: the engine and the store opened for the running test. */
export interface EngineContext {
  readonly kind: StoreKind;
  /** The store opened (and migrated) for the running test. */
  store(): Store;
  /** Options reaching the running test's database, to open it again. */
  options(): StoreOptions;
  /** Opens another store on the running test's database; closed after the test. */
  openStore(): Promise<Store>;
}

function databaseUrl(): string {
  return process.env.FORGELINE_TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function probePostgres(url: string): Promise<string | undefined> {
  try {
    await withClient(url, (client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return `PostgreSQL unreachable at ${redact(url)}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const sqliteEngine: Engine = {
  kind: 'sqlite',
  unavailable: undefined,
  async createDatabase() {
    const dir = await mkdtemp(join(tmpdir(), 'forgeline-test-'));
    return {
      options: { kind: 'sqlite', file: join(dir, 'forgeline.db') },
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

function postgresEngine(url: string, unavailable: string | undefined): Engine {
  return {
    kind: 'postgres',
    unavailable,
    createDatabase() {
      const schema = `forgeline_test_${process.pid}_${randomBytes(6).toString('hex')}`;
      return Promise.resolve({
        options: { kind: 'postgres', url, schema },
        // The stores must be closed first, or the drop waits on their locks.
        drop: () => withClient(url, (client) => client.query(`drop schema if exists "${schema}" cascade`)).then(() => undefined),
      });
    },
  };
}

async function detectEngines(): Promise<readonly Engine[]> {
  const wanted = (process.env.FORGELINE_TEST_ENGINES ?? storeKinds.join(','))
    .split(',').map((s) => s.trim()).filter((s) => s !== '');
  const found: Engine[] = [];
  for (const kind of wanted) {
    if (kind === 'sqlite') found.push(sqliteEngine);
    else if (kind === 'postgres') {
      const unavailable = await probePostgres(databaseUrl());
      // The default reporter hides skipped titles; say it once per process.
      if (unavailable !== undefined && process.env.FORGELINE_REQUIRE_SERVICES !== '1') {
        console.warn(`${unavailable}: PostgreSQL tests are skipped`);
      }
      found.push(postgresEngine(databaseUrl(), unavailable));
    }
    else throw new Error(`FORGELINE_TEST_ENGINES: unknown engine ${JSON.stringify(kind)} (known: ${storeKinds.join(', ')})`);
  }
  return found;
}

// Probed once per process, however many test files (module instances) ask.
const cacheKey = Symbol.for('forgeline.test.engines');
const cache = globalThis as { [cacheKey]?: Promise<readonly Engine[]> };
const detected = await (cache[cacheKey] ??= detectEngines());

/** The engines this run covers, each with the reason it is unavailable, if it is. */
export function engines(): readonly Engine[] {
  return detected;
}

function contextFor(engine: Engine): EngineContext {
  let database: TestDatabase | undefined;
  let stores: Store[] = [];
  const current = (): TestDatabase => {
    if (database === undefined) throw new Error('the store exists only while a test runs');
    return database;
  };
  beforeEach(async () => {
    database = await engine.createDatabase();
    stores = [await openDatabase(database.options)];
  });
  afterEach(async () => {
    const opened = stores.reverse();
    stores = [];
    try {
      for (const store of opened) await store.close();
    } finally {
      await database?.drop();
      database = undefined;
    }
  });
  return {
    kind: engine.kind,
    store: () => {
      current();
      const first = stores[0];
      if (first === undefined) throw new Error('the store exists only while a test runs');
      return first;
    },
    options: () => current().options,
    openStore: async () => {
      const store = await openDatabase(current().options);
      stores.push(store);
      return store;
    },
  };
}

/**
 * Declares `body` once per engine, as `title [engine]`, each test with a
 * fresh migrated store. An unreachable PostgreSQL is skipped with the reason
 * in the title, or fails every test when FORGELINE_REQUIRE_SERVICES=1.
 */
export function describeEachEngine(title: string, body: (engine: EngineContext) => void): void {
  for (const engine of detected) {
    const name = `${title} [${engine.kind}]`;
    const reason = engine.unavailable;
    if (reason === undefined) {
      describe(name, () => body(contextFor(engine)));
    } else if (process.env.FORGELINE_REQUIRE_SERVICES === '1') {
      describe(name, () => {
        beforeAll(() => {
          throw new Error(`${reason} (required because FORGELINE_REQUIRE_SERVICES=1)`);
        });
        body(contextFor(engine));
      });
    } else {
      describe.skip(`${name} skipped: ${reason} (set FORGELINE_REQUIRE_SERVICES=1 to fail instead)`, () => body(contextFor(engine)));
    }
  }
}
