import { randomUUID } from 'node:crypto';
import { assertCan, auditActorOf, nodePathIds, type Actor } from '../access/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import { contentHash } from '../crypto/index.js';
import {
  ForgelineError, parseOrThrow, planZones, zoneDescriptionSchema,
  type ConduitFlow, type ConduitGrant, type ConduitView, type ZoneMap, type ZonePlantNode, type ZoneTransport,
} from '../domain/index.js';
import { withWriteTransaction, type Database, type Store } from '../store/index.js';
import type { Kysely } from 'kysely';
import { ZoneLookup } from './zone-lookup.js';

/** The answer of {@link ZoneService.checkConduit}: the conduit that permits the flow, or why none does. */
export type ConduitDecision = { readonly ok: true; readonly conduit: ConduitGrant } | { readonly ok: false; readonly reason: string };

/** What the zone service is built from; `refreshMs` and `monotonicNow` tune how often other instances' changes are looked for. */
export interface ZoneServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly refreshMs?: number;
  readonly monotonicNow?: () => number;
}

/** Rows per insert statement: well inside both engines' limits on bound parameters. */
const INSERT_CHUNK = 500;

const FLOW_DIRECTION: Readonly<Record<ConduitFlow, string>> = { orders: 'server to zone', reports: 'zone to server' };

/**
 * IEC 62443 zones and conduits (issue 6 point 1, IEC 62443-3-3 FR5 / SR 5.1, 5.2): admins replace
 * them as a whole from one description, in one transaction audited once as `zone.update`; admins
 * and auditors read them. Dispatch and the device transports ask {@link ZoneService.conduitFor}
 * whether a flow to or from a work center's zone is permitted.
 */
export class ZoneService {
  readonly #audit: AuditTrail;
  readonly #lookup: ZoneLookup;

  constructor(private readonly deps: ZoneServiceDeps) {
    this.#audit = new AuditTrail(deps);
    this.#lookup = new ZoneLookup(deps);
  }

  /**
   * Replaces every zone and conduit with those of the description (admins). Zones and conduits
   * keep their ids by code. A description that does not hold together, or names zones or plant
   * nodes that do not exist, is refused and changes nothing.
   */
  async replace(actor: Actor, input: unknown): Promise<ZoneMap> {
    const description = parseOrThrow(zoneDescriptionSchema, input, 'zone description');
    await this.#audit.authorize(actor, 'zone.manage', { kind: 'system' }, { kind: 'zone.update' });
    const plan = planZones(description, await plantNodes(this.deps.store.db));
    if (!plan.ok) {
      const summary = plan.problems.map((problem) => problem.message).join('; ');
      throw new ForgelineError(plan.code, `Invalid zone description: ${summary}`, { problems: plan.problems });
    }
    const descriptionHash = contentHash(description);
    const now = this.deps.clock.now().toISOString();
    try {
      await withWriteTransaction(this.deps.store, async (trx) => {
        // First: on PostgreSQL the row lock makes a concurrent replacement wait for this one's commit.
        await trx.updateTable('zone_plan').set((eb) => ({ version: eb('version', '+', 1), description_hash: descriptionHash, updated_by: actor.subject.userId, updated_at: now })).where('id', '=', 1).execute();
        const { version } = await trx.selectFrom('zone_plan').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
        const zoneIds = new Map((await trx.selectFrom('zones').select(['id', 'code']).execute()).map((row) => [row.code, row.id]));
        const conduitIds = new Map((await trx.selectFrom('conduits').select(['id', 'code']).execute()).map((row) => [row.code, row.id]));
        await trx.deleteFrom('zone_members').execute();
        await trx.deleteFrom('conduits').execute();
        await trx.deleteFrom('zones').execute();
        const zones = plan.zones.map((zone) => ({ id: zoneIds.get(zone.code) ?? randomUUID(), code: zone.code, name: zone.name, security_level: zone.securityLevel, created_at: now }));
        const idOfZone = new Map(zones.map((zone) => [zone.code, zone.id]));
        const members = plan.zones.flatMap((zone) => zone.memberIds.map((nodeId) => ({ node_id: nodeId, zone_id: idOfZone.get(zone.code) ?? '' })));
        const conduits = plan.conduits.map((conduit) => ({
          id: conduitIds.get(conduit.code) ?? randomUUID(), code: conduit.code, zone_id: idOfZone.get(conduit.zone) ?? '', transport: conduit.transport,
          carries_orders: conduit.flows.includes('orders') ? 1 as const : 0 as const, carries_reports: conduit.flows.includes('reports') ? 1 as const : 0 as const, created_at: now,
        }));
        for (const chunk of chunks(zones)) await trx.insertInto('zones').values(chunk).execute();
        for (const chunk of chunks(members)) await trx.insertInto('zone_members').values(chunk).execute();
        for (const chunk of chunks(conduits)) await trx.insertInto('conduits').values(chunk).execute();
        await this.#audit.record(trx, {
          kind: 'zone.update', outcome: 'ok', actor: auditActorOf(actor),
          detail: { version: Number(version), zones: zones.length, conduits: conduits.length, members: members.length, descriptionHash },
        });
      });
    } finally {
      this.#lookup.invalidate();
    }
    return readZoneMap(this.deps.store.db);
  }

  /** The zones and conduits in force (admins and auditors). */
  async list(actor: Actor): Promise<ZoneMap> {
    assertCan(actor.subject, 'zone.read', { kind: 'system' });
    return readZoneMap(this.deps.store.db);
  }

  /**
   * The conduit that permits `flow` between the server and the zone of a work center over
   * `transport` ('any': either), or throws `conduit-refused` naming the work center and what is
   * missing. Cheap enough for every device connection, report and dispatch (see {@link ZoneLookup}).
   */
  async conduitFor(workCenterId: string, transport: ZoneTransport | 'any', flow: ConduitFlow): Promise<ConduitGrant> {
    const decision = await this.checkConduit(workCenterId, transport, flow);
    if (!decision.ok) throw new ForgelineError('conduit-refused', decision.reason);
    return decision.conduit;
  }

  /** {@link ZoneService.conduitFor} as a value: the grant, or the reason for a refusal. */
  async checkConduit(workCenterId: string, transport: ZoneTransport | 'any', flow: ConduitFlow): Promise<ConduitDecision> {
    const place = await this.#lookup.place(workCenterId);
    if (place === undefined) return { ok: false, reason: `there is no work center ${workCenterId}` };
    const zone = await this.#lookup.zoneOf(place);
    if (zone === undefined) return { ok: false, reason: `work center ${place.codePath} is in no zone: no ${flow} flow (${FLOW_DIRECTION[flow]}) is permitted` };
    const conduit = zone.conduits.find((candidate) => (transport === 'any' || candidate.transport === transport) && candidate.flows.includes(flow));
    if (conduit === undefined) {
      const over = transport === 'any' ? '' : ` over ${transport}`;
      return { ok: false, reason: `zone ${zone.code} of work center ${place.codePath} has no conduit permitting ${flow} (${FLOW_DIRECTION[flow]})${over}` };
    }
    return { ok: true, conduit: { zoneId: zone.id, zoneCode: zone.code, conduitId: conduit.id, conduitCode: conduit.code, transport: conduit.transport } };
  }
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) yield rows.slice(start, start + INSERT_CHUNK);
}

/** Every plant node with its code path from the enterprise, as zone members name them. */
async function plantNodes(db: Kysely<Database>): Promise<ZonePlantNode[]> {
  const rows = await db.selectFrom('plant_nodes').select(['id', 'kind', 'code', 'path']).execute();
  const codeById = new Map(rows.map((row) => [row.id, row.code]));
  return rows.map((row) => ({ id: row.id, kind: row.kind, codePath: nodePathIds(row.path).map((id) => codeById.get(id) ?? id).join('/') }));
}

/** The zones and conduits as stored, sorted by code, members by code path. */
async function readZoneMap(db: Kysely<Database>): Promise<ZoneMap> {
  const plan = await db.selectFrom('zone_plan').selectAll().where('id', '=', 1).executeTakeFirst();
  const zones = await db.selectFrom('zones').selectAll().orderBy('code').execute();
  const members = await db.selectFrom('zone_members').select(['node_id', 'zone_id']).execute();
  const conduits = await db.selectFrom('conduits').selectAll().orderBy('code').execute();
  const pathOf = new Map((await plantNodes(db)).map((node) => [node.id, node.codePath]));
  const zoneCode = new Map(zones.map((zone) => [zone.id, zone.code]));
  return {
    version: Number(plan?.version ?? 0),
    descriptionHash: plan?.description_hash ?? null,
    updatedAt: plan?.updated_at ?? null,
    zones: zones.map((zone) => ({
      id: zone.id, code: zone.code, name: zone.name, securityLevel: Number(zone.security_level),
      members: members.filter((member) => member.zone_id === zone.id).map((member) => pathOf.get(member.node_id) ?? member.node_id).sort(),
    })),
    conduits: conduits.map((conduit): ConduitView => ({
      id: conduit.id, code: conduit.code, zone: zoneCode.get(conduit.zone_id) ?? conduit.zone_id, zoneId: conduit.zone_id, transport: conduit.transport,
      flows: [...(Number(conduit.carries_orders) === 1 ? ['orders' as const] : []), ...(Number(conduit.carries_reports) === 1 ? ['reports' as const] : [])],
    })),
  };
}
