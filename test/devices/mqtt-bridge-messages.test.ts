/** The MQTT messages, pure: order envelopes, report topics, and the checks every payload passes. */
import { describe, expect, it } from 'vitest';
import { encodeOrderMessage, MQTT_MESSAGE_LIMIT_BYTES, parseMessageJson, parseOrderMessage, parseReportTopic } from '../../src/devices/index.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const order = { orderId: 'b41d4db3-3e3e-4dd5-a8ca-3a5ccc064952', revision: 2, number: 'PO-1', jws: 'eyJh.eyJz.c2ln' };

describe('MQTT messages', () => {
  it('round-trips an order envelope and refuses one with a missing or mistyped field', () => {
    expect(parseOrderMessage(bytes(encodeOrderMessage(order)))).toEqual({ ok: true, value: order });
    expect(parseOrderMessage(bytes(JSON.stringify({ ...order, extra: 'ignored' })))).toEqual({ ok: true, value: order });
    for (const [bad, reason] of [
      [{ ...order, revision: '2' }, /revision/], [{ ...order, revision: 0 }, /revision/], [{ ...order, orderId: '' }, /orderId/],
      [{ ...order, jws: 'a.b' }, /compact JWS/], [[order], /not a JSON object/], [null, /not a JSON object/],
    ] as const) {
      expect(parseOrderMessage(bytes(JSON.stringify(bad)))).toEqual({ ok: false, problem: { code: 'message-refused', reason: expect.stringMatching(reason) } });
    }
  });

  it('refuses payloads over the limit, not UTF-8, not JSON, or carrying prototype-poisoning keys at any depth', () => {
    expect(parseMessageJson(Buffer.alloc(MQTT_MESSAGE_LIMIT_BYTES, 0x20))).toMatchObject({ ok: false });
    expect(parseMessageJson(bytes(`"${'x'.repeat(MQTT_MESSAGE_LIMIT_BYTES - 2)}"`))).toMatchObject({ ok: true });
    expect(parseMessageJson(Buffer.alloc(MQTT_MESSAGE_LIMIT_BYTES + 1, 0x20))).toMatchObject({ ok: false, problem: { reason: expect.stringMatching(/over the limit/) } });
    expect(parseMessageJson(Buffer.from([0x22, 0xff, 0x22]))).toMatchObject({ ok: false, problem: { reason: 'the message is not UTF-8 text' } });
    expect(parseMessageJson(bytes('{"a": 1'))).toMatchObject({ ok: false, problem: { reason: 'the message is not well-formed JSON' } });
    expect(parseMessageJson(bytes('{"report": {"data": {"constructor": {"prototype": {}}}}}'))).toMatchObject({ ok: false, problem: { reason: expect.stringMatching(/forbidden key "(constructor|prototype)"/) } });
  });

  it('parses a report topic into its device and refuses any other shape', () => {
    expect(parseReportTopic('forgeline/berlin/machining/wc-mill/reports/d-1')).toEqual({ ok: true, value: { siteCode: 'berlin', areaCode: 'machining', workCenterCode: 'wc-mill', deviceId: 'd-1' } });
    for (const topic of [
      'forgeline/berlin/machining/wc-mill/orders', 'forgeline/berlin/machining/wc-mill/reports/d-1/extra', 'other/berlin/machining/wc-mill/reports/d-1',
      'forgeline/berlin/machining/wc-mill/reports/', 'forgeline/berlin/machining/wc mill/reports/d-1', '',
    ]) {
      expect(parseReportTopic(topic)).toMatchObject({ ok: false, problem: { code: 'message-refused' } });
    }
  });
});
