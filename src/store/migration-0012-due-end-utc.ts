/**
 * Migration 0012: `orders.due_end` as RFC 3339 UTC to the second ("2026-12-03T18:00:00Z"), the
 * form the order list's due filters compare as text. Due ends were stored as written (another
 * offset, milliseconds), which compared by their text, not their instant; the order service
 * writes the normalized form from now on, and this rewrites the rows written before.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** The instant of `timestamp` in the stored form (a fraction of a second cut), or undefined when it is no timestamp. */
function storedDueEnd(timestamp: string): string | undefined {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** Builds migration 0012 (the same on both engines). */
export function dueEndUtcMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Rows already in the stored form are left alone; the pattern is exact on both engines' LIKE.
      const { rows } = await sql<{ id: string; due_end: string }>`select id, due_end from orders where due_end not like '____-__-__T__:__:__Z'`.execute(db);
      for (const row of rows) {
        const normalized = storedDueEnd(row.due_end);
        if (normalized !== undefined && normalized !== row.due_end) await sql`update orders set due_end = ${normalized} where id = ${row.id}`.execute(db);
      }
    },
    async down(): Promise<void> {
      // The rewritten due ends name the same instants the old ones did: nothing to undo.
    },
  };
}
