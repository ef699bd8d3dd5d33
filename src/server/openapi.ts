import { z } from 'zod';
import { ERROR_CODES } from '../domain/index.js';
import { CSRF_HEADER, SESSION_COOKIE } from './browser-session.js';
import type { RouteSpec } from './route.js';

type JsonSchema = Record<string, unknown>;

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/**
 * The OpenAPI 3.1 document, generated from the same route list and zod schemas
 * that serve and validate requests.
 */
export function buildOpenApi(routes: readonly RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const pathParameters = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } }));
    const querySchema = route.query ? jsonSchemaOf(route.query) : undefined;
    const queryProperties = (querySchema?.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((querySchema?.required as string[] | undefined) ?? []);
    // A parameter's description (zod's describe()) is shown beside the parameter, where OpenAPI tools look for it.
    const queryParameters = Object.entries(queryProperties).map(([name, schema]) => ({
      name, in: 'query', required: required.has(name), ...(typeof schema.description === 'string' ? { description: schema.description } : {}), schema,
    }));
    const headerParameters = Object.entries(route.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } }));
    const status = String(route.status ?? 200);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.authenticated ? {} : { security: [] }),
      parameters: [...pathParameters, ...queryParameters, ...headerParameters],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(route.body) } } } } : {}),
      responses: {
        [status]: status === '204' ? { description: 'Done' } : { description: route.responseDescription ?? 'OK', content: route.responseType === undefined ? { 'application/json': { schema: { type: 'object' } } } : { [route.responseType]: { schema: { type: 'string' } } } },
        default: { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Forgeline API', version, description: 'Production orders from planning to the machine: signed, audited, zero-trust.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { browserSession: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/v1/sessions' },
        browserSession: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `The web UI's session, set by POST /api/v1/browser/session; used only without an Authorization header, and every method but GET, HEAD and OPTIONS also needs the ${CSRF_HEADER} header` },
      },
      schemas: { Problem: problemSchema },
    },
  };
}
