import { Readable } from 'node:stream';
import { z } from 'zod';
import { assertCan } from '../access/index.js';
import {
  auditExportLines, auditExportQuerySchema, auditListQuerySchema, auditSelectionText, formatExportLine, latestCosignedCheckpoint, parseVerifierKey, type AuditFilter,
} from '../audit/index.js';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

const count = z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER);
const inclusionQuerySchema = z.strictObject({ index: count, size: count });
const consistencyQuerySchema = z.strictObject({ from: count, to: count });
const base64 = (hashes: readonly Uint8Array[]) => hashes.map((hash) => Buffer.from(hash).toString('base64'));
const TEXT = 'text/plain; charset=utf-8';
/** JSON Lines has no registered media type; this is the one most tools know. */
const JSON_LINES = 'application/x-ndjson; charset=utf-8';

/** The whole log as `forgeline audit export` writes it, line by line. */
async function* wholeLogText(...args: Parameters<typeof auditExportLines>): AsyncGenerator<string> {
  for await (const line of auditExportLines(...args)) yield formatExportLine(line);
}

const isSelection = (filter: AuditFilter): boolean => Object.values(filter).some((value) => value !== undefined);

/** The audit log for auditors: entries, the signed checkpoint, the verifier key and proofs. */
export function auditRoutes(services: Services): RouteSpec[] {
  const { auditLog } = services;
  const logKey = parseVerifierKey(auditLog.verifierKeyLine());
  if (!logKey.ok) throw new Error(`the audit log's own verifier key does not parse: ${logKey.error.message}`);
  return [
    {
      method: 'GET', url: '/api/v1/audit/entries', tag: 'audit', authenticated: true, query: auditListQuerySchema,
      summary: 'Audit entries, filtered by actor, order, kind, outcome and time; in log order (order=asc, the default, page with after=<nextAfter>) or newest first (order=desc, page with before=<nextBefore>)',
      handler: ({ actor, query }) => services.audit.list(actor, query),
    },
    {
      method: 'GET', url: '/api/v1/audit/export', tag: 'audit', authenticated: true, query: auditExportQuerySchema, responseType: 'application/x-ndjson',
      summary: 'Streams the audit log as JSON Lines: without filters the whole log in the format of `forgeline audit export` (verify it with `forgeline audit verify`); with the list\'s filters only the matching entries (format forgeline-audit-selection/1, its header stating the checkpoint size and the count of entries) and that checkpoint. Either ends exactly at a checkpoint signed for it. Recorded as audit.export',
      responseDescription: 'JSON Lines, as an attachment',
      handler: async ({ actor, query, reply }) => {
        const filter = await services.audit.authorizeExport(actor, query);
        // Signed after the export's own record, and the export ends at its size (a selection also
        // catches the lookup up only after it): every entry sent is under this signature, and
        // every entry under it that matches is sent, however the log grows meanwhile.
        const checkpoint = await auditLog.checkpoint();
        if (!checkpoint) throw new ForgelineError('not-found', 'The log is empty: there is nothing to export');
        const exportedAt = services.clock.now().toISOString();
        const origin = auditLog.verifierKeyLine().split('+')[0] ?? '';
        const selection = isSelection(filter);
        const lines = selection
          ? auditSelectionText(services.store, filter, { origin, exportedAt, checkpoint })
          : wholeLogText(services.store, { origin, exportedAt, upTo: checkpoint.size });
        const name = `forgeline-audit-${selection ? 'selection' : 'export'}-${exportedAt.replace(/[-:]/g, '').slice(0, 15)}Z.jsonl`;
        reply.type(JSON_LINES).header('content-disposition', `attachment; filename="${name}"`);
        // Streamed as read, in batches: memory stays flat however large the log. A failure midway
        // cuts the answer short, which a verifier sees as fewer entries than the header announces.
        return Readable.from(lines);
      },
    },
    {
      method: 'GET', url: '/api/v1/audit/checkpoint', tag: 'audit', authenticated: true, responseDescription: 'The C2SP signed note (text/plain)',
      summary: 'The latest signed checkpoint of the log (C2SP tlog-checkpoint in a signed note)',
      handler: async ({ actor, reply }) => {
        assertCan(actor.subject, 'audit.read', { kind: 'system' });
        const latest = await auditLog.latest();
        if (!latest) throw new ForgelineError('not-found', 'No checkpoint has been signed yet: the log is empty or the first one is minutes away');
        reply.type(TEXT);
        return latest.note;
      },
    },
    {
      method: 'GET', url: '/api/v1/audit/checkpoint/cosigned', tag: 'audit', authenticated: true, responseDescription: 'The C2SP signed note with its cosignatures (text/plain)',
      summary: 'The newest signed checkpoint that carries at least one witness cosignature (C2SP tlog-cosignature); 404 when no witness has cosigned one. The server checks no witness key: the reader does',
      handler: async ({ actor, reply }) => {
        assertCan(actor.subject, 'audit.read', { kind: 'system' });
        const cosigned = await latestCosignedCheckpoint(services.store, logKey.value);
        if (!cosigned) throw new ForgelineError('not-found', 'No witness has cosigned a checkpoint of this log yet');
        reply.type(TEXT);
        return cosigned.note;
      },
    },
    {
      method: 'POST', url: '/api/v1/audit/checkpoint', tag: 'audit', authenticated: true, responseDescription: 'The C2SP signed note (text/plain)',
      summary: 'Sign a checkpoint of the log as it is now (on demand), and return it',
      handler: async ({ actor, reply }) => {
        assertCan(actor.subject, 'audit.read', { kind: 'system' });
        const latest = await auditLog.checkpoint();
        if (!latest) throw new ForgelineError('not-found', 'The log is empty: there is nothing to sign');
        reply.type(TEXT);
        return latest.note;
      },
    },
    {
      method: 'GET', url: '/api/v1/audit/key', tag: 'audit', authenticated: true, responseDescription: 'The C2SP verifier key line (text/plain)',
      summary: 'The verifier key of the log: <name>+<key id>+<base64 key>',
      handler: async ({ actor, reply }) => {
        assertCan(actor.subject, 'audit.read', { kind: 'system' });
        reply.type(TEXT);
        return `${auditLog.verifierKeyLine()}\n`;
      },
    },
    {
      method: 'GET', url: '/api/v1/audit/proof/inclusion', tag: 'audit', authenticated: true, query: inclusionQuerySchema,
      summary: 'The RFC 9162 inclusion proof of entry `index` in the tree of `size` entries',
      handler: async ({ actor, query }) => {
        assertCan(actor.subject, 'audit.read', { kind: 'system' });
        const { index, size } = parseOrThrow(inclusionQuerySchema, query, 'inclusion proof query');
        return { index, size, hashes: base64(await auditLog.inclusionProof(index, size)) };
      },
    },
    {
      method: 'GET', url: '/api/v1/audit/proof/consistency', tag: 'audit', authenticated: true, query: consistencyQuerySchema,
      summary: 'The RFC 9162 consistency proof between the trees of `from` and `to` entries',
      handler: async ({ actor, query }) => {
        assertCan(actor.subject, 'audit.read', { kind: 'system' });
        const { from, to } = parseOrThrow(consistencyQuerySchema, query, 'consistency proof query');
        return { from, to, hashes: base64(await auditLog.consistencyProof(from, to)) };
      },
    },
  ];
}
