/** Errors the store raises while opening; each names what failed and keeps the engine's error as `cause`. */

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Thrown when the database cannot be opened or prepared (file, connection, schema, settings). */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';

  constructor(what: string, options: { cause: unknown }) {
    super(`cannot open ${what}: ${reason(options.cause)}`, options);
  }
}

/** Thrown when the schema cannot be brought to the latest version. */
export class StoreMigrationError extends Error {
  override readonly name = 'StoreMigrationError';

  constructor(
    /** The migration that failed, if the failure was inside one. */
    readonly migration: string | undefined,
    options: { cause: unknown },
  ) {
    const where = migration === undefined ? '' : ` at migration ${migration}`;
    super(`database migration failed${where}: ${reason(options.cause)}`, options);
  }
}
