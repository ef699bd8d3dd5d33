import { z } from 'zod';
import { assertCan } from '../access/index.js';
import { MAX_NOTE_BYTES, mergeCosignatures, parseVerifierKey, type CosignedCheckpoint } from '../audit/index.js';
import { parseOrThrow } from '../domain/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

const cosignaturesBodySchema = z.strictObject({
  note: z.string().min(1, 'must be a checkpoint note').max(MAX_NOTE_BYTES, `must be at most ${MAX_NOTE_BYTES} characters`),
});

/** What leaves after a merge: the size, the stored note as it now reads, and how many cosignatures it carries. */
function presentCosigned(checkpoint: CosignedCheckpoint): { size: number; note: string; cosignatures: number } {
  return { size: checkpoint.size, note: checkpoint.note, cosignatures: checkpoint.cosignatures };
}

/** Witnesses hand back the checkpoints they cosigned (issue 3 point 7; c2sp.org/tlog-cosignature). */
export function witnessRoutes(services: Services): RouteSpec[] {
  const { auditLog, store } = services;
  // The log publishes only its verifier key; that is all a merge checks against.
  const key = parseVerifierKey(auditLog.verifierKeyLine());
  if (!key.ok) throw new Error(`the audit log's own verifier key does not parse: ${key.error.message}`);
  const identity = { origin: key.value.name, verifier: key.value };
  return [
    {
      method: 'POST', url: '/api/v1/audit/checkpoint/cosignatures', tag: 'audit', authenticated: true, body: cosignaturesBodySchema,
      summary: 'Add a witness\'s cosignatures (signature type 0x04) to the stored checkpoint with the same body',
      responseDescription: 'The stored checkpoint note with its cosignatures',
      handler: async ({ actor, body }) => {
        const { note } = parseOrThrow(cosignaturesBodySchema, body, 'cosignatures');
        assertCan(actor.subject, 'audit.witness', { kind: 'system' });
        return presentCosigned(await mergeCosignatures(store, identity, note, services.acceptedWitnesses));
      },
    },
  ];
}
