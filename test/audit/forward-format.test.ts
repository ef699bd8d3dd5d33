import { describe, expect, it } from 'vitest';
import {
  FORWARD_ERROR_CODES, ForwardError, escapeParamValue, formatJsonLine, headerField, octetCountedFrame, parseJsonLineKey,
  parseTargetSpec, syslogMessage, syslogPriority, type ForwardRecord,
} from '../../src/audit/forwarding.js';
import { parseSyslog } from './forward-test-kit.js';

const record = (overrides: Partial<ForwardRecord> = {}): ForwardRecord => ({
  index: 41, at: '2026-11-26T08:00:00.123Z', actor: 'pia.planner', kind: 'order.release', outcome: 'ok', orderId: 'o-1',
  leafHash: 'ab'.repeat(32), entry: '{"actor":"pia.planner","detail":{"note":"Prüfmaß ✓"},"idx":41}', ...overrides,
});

describe('syslog format (RFC 5424 over RFC 5425)', () => {
  it('gives PRI facility 13 (log audit) with severity 6 for ok and 4 for denied', () => {
    expect(syslogPriority('ok')).toBe(110);
    expect(syslogPriority('denied')).toBe(108);
    expect(syslogPriority('something else')).toBe(108);
  });

  it('escapes exactly ", \\ and ] in PARAM-VALUEs (§6.3.3)', () => {
    expect(escapeParamValue('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
  });

  it('keeps header fields to PRINTUSASCII and their maximum length, NILVALUE when empty', () => {
    expect(headerField('plant 7\n', 255)).toBe('plant_7_');
    expect(headerField('x'.repeat(40), 32)).toHaveLength(32);
    expect(headerField('', 48)).toBe('-');
  });

  it('writes the header, one structured data element and a BOM-prefixed UTF-8 MSG holding the entry bytes', () => {
    const message = syslogMessage(record(), { hostname: 'plant-7.example', origin: 'forgeline.audit/a/1' });
    expect(message.toString('utf8')).toMatch(/^<110>1 2026-11-26T08:00:00\.123Z plant-7\.example forgeline - order\.release \[forgeline@32473 idx="41" outcome="ok" actor="pia\.planner" order="o-1" origin="forgeline\.audit\/a\/1"\] \uFEFF\{/);
    const parsed = parseSyslog(message);
    expect(parsed).toMatchObject({ bom: true, msg: record().entry, msgId: 'order.release' });
  });

  it('leaves out order and origin when there are none, and sends a malformed time as NILVALUE', () => {
    const text = syslogMessage(record({ orderId: null, at: 'yesterday' }), { hostname: 'h' }).toString('utf8');
    expect(text).toContain('<110>1 - h forgeline - order.release [forgeline@32473 idx="41" outcome="ok" actor="pia.planner"] ');
  });

  it('frames by octets, not characters (RFC 5425 §4.3)', () => {
    const message = Buffer.from('Prüfmaß', 'utf8');
    expect(octetCountedFrame(message).toString('utf8')).toBe(`${message.length} Prüfmaß`);
    expect(message.length).toBe(9);
  });
});

describe('JSON Lines records', () => {
  it('carry the index, origin, leaf hash and the entry as JSON, and read back their key', () => {
    const line = formatJsonLine(record(), 'forgeline.audit/a/1');
    expect(JSON.parse(line)).toEqual({ index: 41, origin: 'forgeline.audit/a/1', leafHash: 'ab'.repeat(32), entry: JSON.parse(record().entry) });
    expect(JSON.stringify((JSON.parse(line) as { entry: unknown }).entry)).toBe(record().entry);
    expect(parseJsonLineKey(line)).toEqual({ index: 41, origin: 'forgeline.audit/a/1' });
  });

  it('send an entry that is not JSON as a string, keeping the line whole', () => {
    const line = formatJsonLine(record({ entry: '{"broken":\n' }));
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ index: 41, entry: '{"broken":\n' });
  });

  it('read no key from lines the forwarder did not write', () => {
    for (const line of ['', 'hello', '[]', '{"index":-1}', '{"index":1.5}', '{"index":"3"}', '{"index":3,"origin":7}']) {
      expect(parseJsonLineKey(line)).toBeNull();
    }
  });
});

describe('--to targets', () => {
  it('accept stdout, file:PATH and syslog+tls://HOST:PORT (6514 by default, IPv6 in brackets)', () => {
    expect(parseTargetSpec('stdout')).toEqual({ kind: 'stdout' });
    expect(parseTargetSpec('file:/var/log/a.jsonl')).toEqual({ kind: 'file', path: '/var/log/a.jsonl' });
    expect(parseTargetSpec('syslog+tls://siem.example:10514')).toEqual({ kind: 'syslog-tls', host: 'siem.example', port: 10514 });
    expect(parseTargetSpec('syslog+tls://siem.example')).toEqual({ kind: 'syslog-tls', host: 'siem.example', port: 6514 });
    expect(parseTargetSpec('syslog+tls://[::1]:6514')).toEqual({ kind: 'syslog-tls', host: '::1', port: 6514 });
  });

  it('refuse anything else with a bad-target error that says what is accepted', () => {
    for (const text of ['ftp://x', 'syslog://siem:514', 'file:', 'syslog+tls://', 'syslog+tls://siem:99999', 'syslog+tls://u:p@siem:6514', 'syslog+tls://siem:6514/path']) {
      expect(() => parseTargetSpec(text), text).toThrow(ForwardError);
    }
    expect(() => parseTargetSpec('ftp://x')).toThrow(/use stdout, file:PATH or syslog\+tls:\/\/HOST:PORT/);
  });
});

describe('forwarding errors', () => {
  it('keep their stable codes', () => {
    expect(FORWARD_ERROR_CODES).toEqual([
      'bad-target', 'state-unreadable', 'state-invalid', 'state-unwritable', 'state-mismatch', 'target-mismatch',
      'target-unreachable', 'target-untrusted', 'target-failed', 'source-failed', 'log-gap',
    ]);
  });

  it('are retried only when waiting can help', () => {
    const retryable = FORWARD_ERROR_CODES.filter((code) => new ForwardError(code, '').retryable);
    expect(retryable).toEqual(['state-unwritable', 'target-unreachable', 'target-failed', 'source-failed']);
  });
});
