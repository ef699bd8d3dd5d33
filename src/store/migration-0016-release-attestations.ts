/**
 * Migration 0016: `order_jws.attestation`, the release attestation (src/crypto/release-attestation.ts)
 * signed beside each released revision's JWS, in the same transaction with the same key. Its claims
 * carry no confidential field, so any reader of the order may check the release's signature. Null
 * for revisions released before this migration: they were never attested, and nothing is made up
 * for them afterwards (a later signature would not attest the release as it was).
 */
import type { Kysely, Migration } from 'kysely';

/** Builds migration 0016 (the same on both engines). */
export function releaseAttestationsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('order_jws').addColumn('attestation', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('order_jws').dropColumn('attestation').execute();
    },
  };
}
