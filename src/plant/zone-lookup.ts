import { performance } from 'node:perf_hooks';
import { nodePathIds } from '../access/index.js';
import { zoneOfPath, type ConduitFlow, type ZoneTransport } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** A conduit as the zone check keeps it. */
export interface CachedConduit {
  readonly id: string;
  readonly code: string;
  readonly transport: ZoneTransport;
  readonly flows: readonly ConduitFlow[];
}

/** A zone as the zone check keeps it, with its conduits sorted by code. */
export interface CachedZone {
  readonly id: string;
  readonly code: string;
  readonly conduits: readonly CachedConduit[];
}

/** Where a work center is: its ancestors' ids and its own, and its code path for messages. */
export interface WorkCenterPlace {
  readonly pathIds: readonly string[];
  readonly codePath: string;
}

/** The zones of one version of the zone plan, by member plant node. */
interface ZoneSnapshot {
  readonly version: number;
  readonly zoneOfMember: ReadonlyMap<string, CachedZone>;
}

/** How often, at most, another instance's replacement is looked for. */
const DEFAULT_REFRESH_MS = 1_000;
/** Work centers whose place is remembered; a plant has far fewer, so reaching it means junk ids were asked. */
const MAX_REMEMBERED_WORK_CENTERS = 20_000;

/**
 * The in-memory side of the zone check, asked on every device connection, report and dispatch.
 * The zones are re-read only when the plan's version changed, and the version is polled at most
 * once a second (other instances' replacements); this instance's own replacements are seen at once
 * through {@link ZoneLookup.invalidate}. A work center's place is read once: plant import never moves
 * or removes a node, so its path never changes.
 */
export class ZoneLookup {
  #snapshot: ZoneSnapshot | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<ZoneSnapshot> | undefined;
  #generation = 0;
  readonly #places = new Map<string, WorkCenterPlace>();
  readonly #refreshMs: number;
  readonly #now: () => number;

  constructor(private readonly deps: { readonly store: Store; readonly refreshMs?: number; readonly monotonicNow?: () => number }) {
    this.#refreshMs = deps.refreshMs ?? DEFAULT_REFRESH_MS;
    this.#now = deps.monotonicNow ?? (() => performance.now());
  }

  /** Forgets the zones (after this instance replaced them, or tried to): the next question reads them again. */
  invalidate(): void {
    this.#generation += 1;
    this.#snapshot = undefined;
    this.#pending = undefined;
  }

  /** The zone of a work center (that of its nearest member ancestor or itself), or undefined. */
  async zoneOf(place: WorkCenterPlace): Promise<CachedZone | undefined> {
    return zoneOfPath(place.pathIds, (await this.#current()).zoneOfMember);
  }

  /** Where a work center is, or undefined when there is no work center with that id. */
  async place(workCenterId: string): Promise<WorkCenterPlace | undefined> {
    const known = this.#places.get(workCenterId);
    if (known !== undefined) return known;
    const db = this.deps.store.db;
    const node = await db.selectFrom('plant_nodes').select(['kind', 'path']).where('id', '=', workCenterId).executeTakeFirst();
    if (node?.kind !== 'work-center') return undefined;
    const pathIds = nodePathIds(node.path);
    const codes = await db.selectFrom('plant_nodes').select(['id', 'code']).where('id', 'in', pathIds).execute();
    const codeById = new Map(codes.map((row) => [row.id, row.code]));
    const place = { pathIds, codePath: pathIds.map((id) => codeById.get(id) ?? id).join('/') };
    if (this.#places.size >= MAX_REMEMBERED_WORK_CENTERS) this.#places.clear();
    this.#places.set(workCenterId, place);
    return place;
  }

  async #current(): Promise<ZoneSnapshot> {
    if (this.#snapshot !== undefined && this.#now() - this.#checkedAt < this.#refreshMs) return this.#snapshot;
    // One read at a time, shared by every caller that asks meanwhile.
    if (this.#pending === undefined) {
      const pending = this.#refresh(this.#generation);
      this.#pending = pending;
      const clear = () => {
        if (this.#pending === pending) this.#pending = undefined;
      };
      pending.then(clear, clear);
    }
    return this.#pending;
  }

  async #refresh(generation: number): Promise<ZoneSnapshot> {
    let snapshot = this.#snapshot;
    for (let attempt = 0; ; attempt += 1) {
      const version = await this.#version();
      if (snapshot?.version === version) break;
      snapshot = await this.#read(version);
      // A replacement committed between reading the version and the rows mixes two plans: read again.
      if ((await this.#version()) === version || attempt >= 3) break;
    }
    // Keep it only if no replacement of this instance happened while reading.
    if (generation === this.#generation) {
      this.#snapshot = snapshot;
      this.#checkedAt = this.#now();
    }
    return snapshot;
  }

  async #version(): Promise<number> {
    const row = await this.deps.store.db.selectFrom('zone_plan').select('version').where('id', '=', 1).executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  async #read(version: number): Promise<ZoneSnapshot> {
    const db = this.deps.store.db;
    const zones = await db.selectFrom('zones').select(['id', 'code']).execute();
    const members = await db.selectFrom('zone_members').select(['node_id', 'zone_id']).execute();
    const conduits = await db.selectFrom('conduits').select(['id', 'code', 'zone_id', 'transport', 'carries_orders', 'carries_reports']).orderBy('code').execute();
    const byId = new Map(zones.map((zone): [string, CachedZone] => [zone.id, {
      id: zone.id,
      code: zone.code,
      conduits: conduits.filter((conduit) => conduit.zone_id === zone.id).map((conduit) => ({
        id: conduit.id,
        code: conduit.code,
        transport: conduit.transport,
        flows: [...(Number(conduit.carries_orders) === 1 ? ['orders' as const] : []), ...(Number(conduit.carries_reports) === 1 ? ['reports' as const] : [])],
      })),
    }]));
    const zoneOfMember = new Map<string, CachedZone>();
    for (const member of members) {
      const zone = byId.get(member.zone_id);
      if (zone !== undefined) zoneOfMember.set(member.node_id, zone);
    }
    return { version, zoneOfMember };
  }
}
