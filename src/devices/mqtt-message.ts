/**
 * The messages Forgeline carries over MQTT (issue 6 point 4), pure: the order envelope the server
 * publishes to a work center's orders topic, the parse of a report topic back into its device,
 * and the checks every arriving payload passes (size, JSON, no prototype-poisoning keys).
 */
import { TOPIC_ROOT, topicLevelProblem } from './mqtt-topics.js';

/** The largest payload accepted on any Forgeline topic: a signed order or report is a few KiB. */
export const MQTT_MESSAGE_LIMIT_BYTES = 64 * 1024;

/** What the server publishes to a work center's orders topic: the order's release JWS and how to name it. */
export interface OrderMessage {
  readonly orderId: string;
  readonly revision: number;
  readonly number: string;
  /** The compact JWS of the released revision: the agent verifies this, never the other fields. */
  readonly jws: string;
}

/** Why a message was refused: a stable code (see the error codes) and a reason for the audit log. */
export interface MessageProblem {
  readonly code: 'message-refused';
  readonly reason: string;
}

/** A parse that either worked or says why not. */
export type MessageParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: MessageProblem };

/** The device a report topic names, with the place its levels claim. */
export interface ReportTopic {
  readonly siteCode: string;
  readonly areaCode: string;
  readonly workCenterCode: string;
  readonly deviceId: string;
}

// Keys that reach an object's prototype when a careless merge copies them.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

class ForbiddenKey extends Error {}

function refused<T>(reason: string): MessageParse<T> {
  return { ok: false, problem: { code: 'message-refused', reason } };
}

/** The payload of an order message (JSON, UTF-8). */
export function encodeOrderMessage(order: OrderMessage): string {
  return JSON.stringify({ orderId: order.orderId, revision: order.revision, number: order.number, jws: order.jws });
}

/**
 * Parses a payload as JSON after checking its size, refusing `__proto__`, `constructor` and
 * `prototype` keys at any depth (as the HTTP body parser does).
 */
export function parseMessageJson(payload: Uint8Array): MessageParse<unknown> {
  if (payload.byteLength > MQTT_MESSAGE_LIMIT_BYTES) return refused(`the message is ${payload.byteLength} bytes, over the limit of ${MQTT_MESSAGE_LIMIT_BYTES}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return refused('the message is not UTF-8 text');
  }
  try {
    return {
      ok: true,
      value: JSON.parse(text, (key: string, value: unknown) => {
        if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKey(key);
        return value;
      }) as unknown,
    };
  } catch (error) {
    if (error instanceof ForbiddenKey) return refused(`the message contains the forbidden key "${error.message}"`);
    return refused('the message is not well-formed JSON');
  }
}

/** Parses an order message: size, JSON, and the four fields with their types (the JWS itself is checked by the agent). */
export function parseOrderMessage(payload: Uint8Array): MessageParse<OrderMessage> {
  const parsed = parseMessageJson(payload);
  if (!parsed.ok) return parsed;
  const value = parsed.value as Partial<Record<keyof OrderMessage, unknown>> | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refused('the message is not a JSON object');
  const { orderId, revision, number, jws } = value;
  if (typeof orderId !== 'string' || orderId.length === 0 || orderId.length > 64) return refused('orderId must be a string of 1 to 64 characters');
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) return refused('revision must be a positive integer');
  if (typeof number !== 'string' || number.length === 0 || number.length > 128) return refused('number must be a string of 1 to 128 characters');
  // A compact JWS (RFC 7515 §7.1): three base64url parts.
  if (typeof jws !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jws)) return refused('jws must be a compact JWS');
  return { ok: true, value: { orderId, revision, number, jws } };
}

/** Parses `forgeline/<site>/<area>/<work center>/reports/<device id>`; anything else is refused. */
export function parseReportTopic(topic: string): MessageParse<ReportTopic> {
  const levels = topic.split('/');
  const [root, siteCode, areaCode, workCenterCode, reports, deviceId] = levels;
  if (levels.length !== 6 || root !== TOPIC_ROOT || reports !== 'reports' || siteCode === undefined || areaCode === undefined || workCenterCode === undefined || deviceId === undefined) {
    return refused(`${JSON.stringify(topic.slice(0, 200))} is not a report topic (${TOPIC_ROOT}/<site>/<area>/<work center>/reports/<device id>)`);
  }
  for (const level of [siteCode, areaCode, workCenterCode, deviceId]) {
    const problem = topicLevelProblem(level);
    if (problem !== undefined) return refused(`the report topic has a bad level: ${problem}`);
  }
  return { ok: true, value: { siteCode, areaCode, workCenterCode, deviceId } };
}
