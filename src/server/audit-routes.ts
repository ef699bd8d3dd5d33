import { auditListQuerySchema } from '../audit/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** The audit log for auditors. */
export function auditRoutes(services: Services): RouteSpec[] {
  return [
    {
      method: 'GET', url: '/api/v1/audit/entries', tag: 'audit', authenticated: true, query: auditListQuerySchema,
      summary: 'Audit entries in log order, filtered by actor, order, kind, outcome and time; page with after=<index>',
      handler: ({ actor, query }) => services.audit.list(actor, query),
    },
  ];
}
