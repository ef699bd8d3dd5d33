/** Finding the user an admin names: by id or by username, as every account command accepts. */
import type { Kysely } from 'kysely';
import { ForgelineError } from '../domain/index.js';
import type { Database } from '../store/index.js';

/** What account commands need of a named user. */
export interface NamedUser {
  readonly id: string;
  readonly username: string;
  readonly disabled: boolean;
  readonly mfaSecret: string | null;
}

/** The user whose id or username is `idOrUsername` (in `db` or a transaction), or undefined. */
export async function findNamedUser(db: Kysely<Database>, idOrUsername: string): Promise<NamedUser | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'username', 'disabled', 'mfa_secret'])
    .where((eb) => eb.or([eb('id', '=', idOrUsername), eb('username', '=', idOrUsername)]))
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, username: row.username, disabled: row.disabled === 1, mfaSecret: row.mfa_secret };
}

/** {@link findNamedUser}, or `not-found`. */
export async function requireNamedUser(db: Kysely<Database>, idOrUsername: string): Promise<NamedUser> {
  const user = await findNamedUser(db, idOrUsername);
  if (user === undefined) throw new ForgelineError('not-found', `no user ${idOrUsername}`);
  return user;
}
