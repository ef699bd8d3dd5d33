/**
 * The manifest inside a backup (encrypted with the rest): what was backed up, when, from which
 * engine, the audit log's size and latest signed checkpoint at that instant, and every part
 * with its size and SHA-256. It comes first in the clear text, the parts follow in its order.
 */
import { z } from 'zod';
import { storeKinds } from '../store/index.js';

/** The data folder's own manifest, as a part. */
export const FOLDER_MANIFEST_PART = 'forgeline.json';
/** The database parts: an SQLite file made by the online backup API, or a `pg_dump --format=custom` archive. */
export const DATABASE_PARTS = { sqlite: 'database.sqlite', postgres: 'database.pgdump' } as const;

/** The folders of a data folder a backup holds, beside its manifest and database. */
export const FOLDER_DIRECTORIES = ['tls', 'keys'] as const;

// A part is the manifest, a database, or a plain file in tls/ or keys/: never a path that leaves the folder.
const PART_NAME = /^(forgeline\.json|database\.(sqlite|pgdump)|(tls|keys)\/[A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

const partSchema = z.strictObject({
  name: z.string().regex(PART_NAME),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The file's permission bits (files only; the database part gets the folder's own). */
  mode: z.number().int().min(0).max(0o777),
});

const checkpointSchema = z.strictObject({ size: z.number().int().min(0), rootHash: z.string().regex(/^[0-9a-f]{64}$/), note: z.string().min(1) });

const manifestSchema = z
  .strictObject({
    format: z.literal(1),
    createdAt: z.iso.datetime({ offset: true }),
    engine: z.enum(storeKinds),
    /** PostgreSQL: the schema that was dumped. */
    schema: z.string().nullable(),
    audit: z.strictObject({
      origin: z.string().min(1),
      /** Entries in the log at the backup's instant. */
      size: z.number().int().min(0),
      /** Entries committed but not yet given an index (PostgreSQL's queue); they join the log when it is next opened. */
      queued: z.number().int().min(0),
      latestCheckpoint: checkpointSchema.nullable(),
    }),
    parts: z.array(partSchema).min(2).max(1000),
  })
  .refine((manifest) => new Set(manifest.parts.map((part) => part.name)).size === manifest.parts.length, { path: ['parts'], message: 'part names must be unique' })
  .refine((manifest) => manifest.parts.some((part) => part.name === FOLDER_MANIFEST_PART), { path: ['parts'], message: `${FOLDER_MANIFEST_PART} is missing` })
  .refine((manifest) => manifest.parts.filter((part) => part.name.startsWith('database.')).map((part) => part.name).join() === DATABASE_PARTS[manifest.engine], {
    path: ['parts'], message: 'the parts must hold exactly one database of the backup\'s engine',
  });

/** The manifest inside a backup. */
export type BackupManifest = z.infer<typeof manifestSchema>;
/** One part of a backup. */
export type BackupPart = BackupManifest['parts'][number];
/** What a backup says of the audit log it holds. */
export type BackupAuditSummary = BackupManifest['audit'];

/** Parses a manifest; the first problem as text when it is not one. */
export function parseBackupManifest(value: unknown): { ok: true; manifest: BackupManifest } | { ok: false; problem: string } {
  const parsed = manifestSchema.safeParse(value);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}` };
}
