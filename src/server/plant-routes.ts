import { z } from 'zod';
import { PLANT_LEVELS, code, parseOrThrow, plantDescriptionSchema } from '../domain/index.js';
import { newItemSchema } from '../plant/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

const plantQuerySchema = z.strictObject({ kind: z.enum(PLANT_LEVELS).optional() });
const itemQuerySchema = z.strictObject({ code: code(64).optional() });

/** The plant hierarchy and the item master. */
export function plantRoutes(services: Services): RouteSpec[] {
  return [
    {
      method: 'GET', url: '/api/v1/plant', tag: 'plant', authenticated: true, query: plantQuerySchema,
      summary: 'The plant hierarchy, parents before children',
      handler: async ({ actor, query }) => ({ items: await services.plant.list(actor, parseOrThrow(plantQuerySchema, query, 'plant query').kind) }),
    },
    {
      method: 'POST', url: '/api/v1/plant/import', tag: 'plant', authenticated: true, body: plantDescriptionSchema,
      summary: 'Import a plant description (admin); nodes are matched by code path, so re-importing is safe',
      handler: ({ actor, body }) => services.plant.import(actor, body),
    },
    {
      method: 'GET', url: '/api/v1/items', tag: 'items', authenticated: true, query: itemQuerySchema,
      summary: 'Item revisions',
      handler: async ({ actor, query }) => ({ items: await services.items.list(actor, parseOrThrow(itemQuerySchema, query, 'item query').code) }),
    },
    {
      method: 'POST', url: '/api/v1/items', tag: 'items', authenticated: true, status: 201, body: newItemSchema,
      summary: 'Add an item revision (planner, admin)',
      handler: ({ actor, body }) => services.items.create(actor, body),
    },
  ];
}
