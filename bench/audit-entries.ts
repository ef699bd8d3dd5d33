/**
 * Audit entries for the audit-log benchmark: a seeded mix shaped like the ones
 * the services write (order lifecycle steps, creations, confidential reads,
 * progress reports, a few refusals), and the stored row `appendAuditEntry`
 * builds from them, so the raw and offline figures hash the same bytes.
 */
import { randomUUID } from 'node:crypto';
import { auditEntryRecord, type AuditEntryFields } from '../src/store/index.js';

/** Mulberry32: a small seeded generator, so every run writes the same mix. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STEPS: readonly (readonly [string, string, string])[] = [
  ['submit', 'draft', 'submitted'], ['release', 'submitted', 'released'], ['dispatch', 'released', 'dispatched'],
  ['start', 'dispatched', 'running'], ['complete', 'running', 'completed'], ['close', 'completed', 'closed'],
];
const ACTORS: readonly (readonly [string, string])[] = [
  ['pia.planner', randomUUID()], ['alan.approver', randomUUID()], ['otto.operator', randomUUID()], ['sam.siteplanner', randomUUID()],
];

function hex64(random: () => number): string {
  let text = '';
  while (text.length < 64) text += Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  return text;
}

/**
 * The `index`-th entry of a seeded mix: 60% lifecycle steps, 15% creations, 10% progress
 * reports, 10% confidential reads, 5% refusals; times 2 s apart from `firstMs`.
 */
export function sampleEntry(index: number, random: () => number, orderIds: readonly string[], firstMs: number): AuditEntryFields {
  const [actor, actorId] = ACTORS[Math.floor(random() * ACTORS.length)] ?? ['pia.planner', null];
  const orderId = orderIds[Math.floor(random() * orderIds.length)] ?? null;
  const at = new Date(firstMs + index * 2000).toISOString();
  const base = { at, actor, actorId, source: '10.20.1.17', orderId, outcome: 'ok' as const };
  const roll = random();
  if (roll < 0.6) {
    const [command, from, to] = STEPS[Math.floor(random() * STEPS.length)] ?? ['submit', 'draft', 'submitted'];
    const hash = hex64(random);
    return { ...base, kind: `order.${command}`, revision: 1, hashBefore: hash, hashAfter: hash, detail: { from, to, version: 2 + Math.floor(random() * 8) } };
  }
  if (roll < 0.75) {
    return { ...base, kind: 'order.create', revision: 1, hashBefore: null, hashAfter: hex64(random), detail: { number: `PO-2026-${String(index).padStart(7, '0')}`, state: 'draft' } };
  }
  if (roll < 0.85) {
    const hash = hex64(random);
    const good = Math.floor(random() * 100);
    return {
      ...base, kind: 'order.progress', revision: 1, hashBefore: hash, hashAfter: hash,
      detail: { from: 'running', to: 'running', version: 5, seq: 3, operationSeq: 20, good: String(good), scrap: String(good % 3), lots: [{ materialLine: 1, lot: `LOT-${index % 9973}`, quantity: '12.5' }] },
    };
  }
  if (roll < 0.95) {
    return { ...base, kind: 'order.read-confidential', revision: 1, hashBefore: null, hashAfter: null, detail: { fields: ['parameters', 'customerReference'] } };
  }
  return { ...base, kind: 'order.release', outcome: 'denied', revision: 1, hashBefore: null, hashAfter: null, detail: { reason: 'the role planner does not allow order.release' } };
}

/** The row `appendAuditEntry` hashes for `fields` at `idx` (its canonical JSON is the entry bytes). */
export function storedRow(idx: number, fields: AuditEntryFields): Record<string, unknown> {
  return auditEntryRecord(idx, fields);
}
