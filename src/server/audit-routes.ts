import { z } from 'zod';
import { assertCan } from '../access/index.js';
import { auditListQuerySchema } from '../audit/index.js';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

const count = z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER);
const inclusionQuerySchema = z.strictObject({ index: count, size: count });
const consistencyQuerySchema = z.strictObject({ from: count, to: count });
const base64 = (hashes: readonly Uint8Array[]) => hashes.map((hash) => Buffer.from(hash).toString('base64'));
const TEXT = 'text/plain; charset=utf-8';

/** The audit log for auditors: entries, the signed checkpoint, the verifier key and proofs. */
export function auditRoutes(services: Services): RouteSpec[] {
  const { auditLog } = services;
  return [
    {
      method: 'GET', url: '/api/v1/audit/entries', tag: 'audit', authenticated: true, query: auditListQuerySchema,
      summary: 'Audit entries in log order, filtered by actor, order, kind, outcome and time; page with after=<index>',
      handler: ({ actor, query }) => services.audit.list(actor, query),
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
