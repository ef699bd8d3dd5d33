import type { FastifyInstance } from 'fastify';
import { ForgelineError } from '../domain/index.js';

// Keys that reach an object's prototype when a careless merge copies them.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

class ForbiddenKeyError extends Error {}

/** Parses JSON text, refusing prototype-poisoning keys at any depth. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new ForgelineError('malformed-json', 'The body is empty; send a JSON object');
  try {
    return JSON.parse(text, (key: string, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKeyError(key);
      return value;
    });
  } catch (error) {
    if (error instanceof ForbiddenKeyError) throw new ForgelineError('forbidden-key', `The body contains the forbidden key "${error.message}"`);
    throw new ForgelineError('malformed-json', `The body is not well-formed JSON: ${error instanceof Error ? error.message : 'parse error'}`);
  }
}

/** Makes the app read `application/json` bodies (and only those) with {@link parseJsonBody}. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
