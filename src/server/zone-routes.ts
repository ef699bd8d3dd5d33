import { zoneDescriptionSchema, type ZoneMap } from '../domain/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** The zones and conduits as they leave: every field is listed, nothing else goes. */
function presentZoneMap(map: ZoneMap) {
  return {
    version: map.version,
    descriptionHash: map.descriptionHash,
    updatedAt: map.updatedAt,
    zones: map.zones.map((zone) => ({ id: zone.id, code: zone.code, name: zone.name, securityLevel: zone.securityLevel, members: [...zone.members] })),
    conduits: map.conduits.map((conduit) => ({
      id: conduit.id, code: conduit.code, zone: conduit.zone, zoneId: conduit.zoneId, transport: conduit.transport, flows: [...conduit.flows],
    })),
  };
}

/** IEC 62443 zones and conduits (issue 6 point 1): read, and replaced as a whole. */
export function zoneRoutes(services: Services): RouteSpec[] {
  const { zones } = services;
  return [
    {
      method: 'GET', url: '/api/v1/zones', tag: 'zones', authenticated: true,
      summary: 'The zones drawn on the plant and the conduits that permit flows between the server and each (admins, auditors)',
      handler: async ({ actor }) => presentZoneMap(await zones.list(actor)),
    },
    {
      method: 'PUT', url: '/api/v1/zones', tag: 'zones', authenticated: true, body: zoneDescriptionSchema,
      summary: 'Replace every zone and conduit with those described (admin), in one transaction audited as zone.update',
      responseDescription: 'The zones and conduits now in force, with the new version and the description hash',
      handler: async ({ actor, body }) => presentZoneMap(await zones.replace(actor, body)),
    },
  ];
}
