import { z } from 'zod';
import type { FieldProblem } from './errors.js';
import type { PlantLevel } from './plant.js';
import { code, text } from './text.js';

/**
 * IEC 62443 zones and conduits (issue 6 point 1), pure: the description an admin applies,
 * its checks against the plant, and which zone a work center is in. No I/O.
 */

/** The transports a conduit can be: HTTPS with mutual TLS, or MQTT over TLS. */
export const ZONE_TRANSPORTS = ['https', 'mqtt'] as const;

/** One of {@link ZONE_TRANSPORTS}. */
export type ZoneTransport = (typeof ZONE_TRANSPORTS)[number];

/** What a conduit carries: `orders` from the server to the zone's devices, `reports` from the devices to the server. */
export const CONDUIT_FLOWS = ['orders', 'reports'] as const;

/** One of {@link CONDUIT_FLOWS}. */
export type ConduitFlow = (typeof CONDUIT_FLOWS)[number];

/** The plant levels a zone may be drawn on: a whole site, an area, or a single work center. */
export const ZONE_MEMBER_LEVELS: readonly PlantLevel[] = ['site', 'area', 'work-center'];

/** A zone as described: code, name, target security level (SL-T, IEC 62443-3-3) and member plant nodes by code path. */
export const zoneSchema = z.strictObject({
  code: code(64),
  name: text(120),
  securityLevel: z.number().int().min(1).max(4),
  /** Code paths from the enterprise, as plant import names nodes: `acme/berlin/press`. */
  members: z.array(code(200)).min(1).max(2000),
});

/** A conduit as described: the zone it reaches, its transport, and the flows it permits. */
export const conduitSchema = z.strictObject({
  code: code(64),
  zone: code(64),
  transport: z.enum(ZONE_TRANSPORTS),
  flows: z.array(z.enum(CONDUIT_FLOWS)).min(1).max(CONDUIT_FLOWS.length),
});

/**
 * The zones and conduits of the plant, as `forgeline zone apply` and `PUT /api/v1/zones` take
 * them. It replaces the whole set: a zone or conduit left out is removed.
 */
export const zoneDescriptionSchema = z.strictObject({
  zones: z.array(zoneSchema).max(500),
  conduits: z.array(conduitSchema).max(1000),
});

/** A parsed zone description. */
export type ZoneDescription = z.infer<typeof zoneDescriptionSchema>;

/** A plant node as the zone plan needs it: id, level, and code path from the enterprise. */
export interface ZonePlantNode {
  readonly id: string;
  readonly kind: PlantLevel;
  readonly codePath: string;
}

/** A zone checked against the plant: its members resolved to node ids. */
export interface PlannedZone {
  readonly code: string;
  readonly name: string;
  readonly securityLevel: number;
  readonly memberIds: readonly string[];
}

/** A conduit checked against the zones, its flows in {@link CONDUIT_FLOWS} order. */
export interface PlannedConduit {
  readonly code: string;
  readonly zone: string;
  readonly transport: ZoneTransport;
  readonly flows: readonly ConduitFlow[];
}

/** The outcome of {@link planZones}: what to store, or every problem found, by the error code it maps to. */
export type ZonePlan =
  | { readonly ok: true; readonly zones: readonly PlannedZone[]; readonly conduits: readonly PlannedConduit[] }
  | { readonly ok: false; readonly code: 'validation-failed' | 'unknown-reference'; readonly problems: readonly FieldProblem[] };

/** The values of `items` that occur more than once, each once, in first-seen order. */
function repeated(items: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const item of items) (seen.has(item) ? twice : seen).add(item);
  return [...twice];
}

/**
 * Checks a description against itself and the plant. Contradictions (a code used twice, a plant
 * node in two zones, a repeated flow, two conduits of one transport to one zone, a member that is
 * not a site, area or work center) are `validation-failed`; names of zones or plant nodes that do
 * not exist are `unknown-reference`. Every problem is listed at once, naming what it is about.
 */
export function planZones(description: ZoneDescription, nodes: readonly ZonePlantNode[]): ZonePlan {
  const invalid: FieldProblem[] = [];
  const unknown: FieldProblem[] = [];
  for (const zoneCode of repeated(description.zones.map((zone) => zone.code))) invalid.push({ path: 'zones', message: `zone ${zoneCode} is described twice` });
  for (const conduitCode of repeated(description.conduits.map((conduit) => conduit.code))) invalid.push({ path: 'conduits', message: `conduit ${conduitCode} is described twice` });

  const nodeByPath = new Map(nodes.map((node) => [node.codePath, node]));
  const zoneOfMember = new Map<string, string>();
  const zones = description.zones.map((zone, index): PlannedZone => {
    const memberIds: string[] = [];
    zone.members.forEach((member, memberIndex) => {
      const path = `zones.${index}.members.${memberIndex}`;
      const node = nodeByPath.get(member);
      if (node === undefined) {
        unknown.push({ path, message: `zone ${zone.code}: no plant node ${member}` });
        return;
      }
      if (!ZONE_MEMBER_LEVELS.includes(node.kind)) {
        invalid.push({ path, message: `zone ${zone.code}: ${member} is at level ${node.kind}; zones are drawn on sites, areas and work centers` });
        return;
      }
      const other = zoneOfMember.get(member);
      if (other !== undefined) {
        // IEC 62443-3-2: each asset is in exactly one zone; nesting is by distinct nodes, never the same one twice.
        invalid.push({ path, message: other === zone.code ? `zone ${zone.code} lists ${member} twice` : `plant node ${member} is in two zones: ${other} and ${zone.code}` });
        return;
      }
      zoneOfMember.set(member, zone.code);
      memberIds.push(node.id);
    });
    return { code: zone.code, name: zone.name, securityLevel: zone.securityLevel, memberIds };
  });

  const zoneCodes = new Set(description.zones.map((zone) => zone.code));
  const transportsOfZone = new Map<string, string>();
  const conduits = description.conduits.map((conduit, index): PlannedConduit => {
    const path = `conduits.${index}`;
    if (!zoneCodes.has(conduit.zone)) unknown.push({ path: `${path}.zone`, message: `conduit ${conduit.code}: no zone ${conduit.zone}` });
    for (const flow of repeated(conduit.flows)) invalid.push({ path: `${path}.flows`, message: `conduit ${conduit.code} lists flow ${flow} twice` });
    const key = `${conduit.zone}\u0000${conduit.transport}`;
    const earlier = transportsOfZone.get(key);
    if (earlier !== undefined) {
      invalid.push({ path, message: `conduits ${earlier} and ${conduit.code} are both ${conduit.transport} conduits of zone ${conduit.zone}; list their flows in one` });
    } else {
      transportsOfZone.set(key, conduit.code);
    }
    return { code: conduit.code, zone: conduit.zone, transport: conduit.transport, flows: CONDUIT_FLOWS.filter((flow) => conduit.flows.includes(flow)) };
  });

  if (invalid.length > 0) return { ok: false, code: 'validation-failed', problems: invalid };
  if (unknown.length > 0) return { ok: false, code: 'unknown-reference', problems: unknown };
  return { ok: true, zones, conduits };
}

/**
 * The zone of a plant node: that of its nearest member ancestor or itself, so a work center in a
 * zoned area is in the area's zone unless it is a member of a zone itself. `pathIds` lists the node's
 * ancestors and itself, outermost first; undefined when no node on the path is a member.
 */
export function zoneOfPath<Z>(pathIds: readonly string[], zoneOfMember: ReadonlyMap<string, Z>): Z | undefined {
  for (let index = pathIds.length - 1; index >= 0; index -= 1) {
    const zone = zoneOfMember.get(pathIds[index] ?? '');
    if (zone !== undefined) return zone;
  }
  return undefined;
}

/** What {@link ZoneMap} says of one zone. */
export interface ZoneView {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly securityLevel: number;
  /** Member plant nodes by code path, sorted. */
  readonly members: readonly string[];
}

/** What {@link ZoneMap} says of one conduit. */
export interface ConduitView {
  readonly id: string;
  readonly code: string;
  /** The code of the zone it reaches. */
  readonly zone: string;
  readonly zoneId: string;
  readonly transport: ZoneTransport;
  readonly flows: readonly ConduitFlow[];
}

/** The zones and conduits in force: every replacement bumps `version`. */
export interface ZoneMap {
  /** 0 before zones were first applied. */
  readonly version: number;
  /** SHA-256 (hex) of the canonical JSON of the description applied last; null before the first. */
  readonly descriptionHash: string | null;
  readonly updatedAt: string | null;
  readonly zones: readonly ZoneView[];
  readonly conduits: readonly ConduitView[];
}

/** The conduit that permits a flow between the server and a work center's zone: the answer of the zone check. */
export interface ConduitGrant {
  readonly zoneId: string;
  readonly zoneCode: string;
  readonly conduitId: string;
  readonly conduitCode: string;
  readonly transport: ZoneTransport;
}
