/**
 * Audit entries as RFC 5424 syslog messages, framed for RFC 5425 (syslog over TLS) by octet
 * counting. Pure: the record and the sender's host name in, bytes out.
 */
import type { ForwardRecord } from './forward-record.js';

/** RFC 5424 §6.2.1 facility 13, "log audit". */
export const SYSLOG_FACILITY_LOG_AUDIT = 13;

/** RFC 5424 §6.2.1 severities: informational for what happened, warning for what was refused. */
export const SYSLOG_SEVERITY = { ok: 6, denied: 4 } as const;

/** The APP-NAME of every message. */
export const SYSLOG_APP_NAME = 'forgeline';

/**
 * The SD-ID of the structured data element (RFC 5424 §6.3.2, name@private-enterprise-number).
 * 32473 is the enterprise number RFC 5612 reserves for documentation and examples.
 */
export const SYSLOG_SD_ID = 'forgeline@32473';

/** RFC 5424 §6.4: an MSG that starts with the UTF-8 byte order mark is UTF-8. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** RFC 5424 §6.2.3 TIMESTAMP: FULL-DATE "T" FULL-TIME with at most six fraction digits. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** The PRI value (RFC 5424 §6.2.1): facility * 8 + severity; anything but `ok` counts as a refusal. */
export function syslogPriority(outcome: string): number {
  return SYSLOG_FACILITY_LOG_AUDIT * 8 + (outcome === 'ok' ? SYSLOG_SEVERITY.ok : SYSLOG_SEVERITY.denied);
}

/** RFC 5424 §6.3.3: inside a PARAM-VALUE, '"', '\' and ']' MUST be escaped with a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (character) => `\\${character}`);
}

/**
 * A header field (RFC 5424 §6.2.4-6.2.7): PRINTUSASCII only (codes 33-126) and at most
 * `maxLength` characters; anything else is replaced by '_', and an empty field is the NILVALUE.
 */
export function headerField(value: string, maxLength: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
  return printable === '' ? '-' : printable;
}

/**
 * The RFC 5424 message for one audit entry: `<PRI>1 TIMESTAMP HOSTNAME forgeline - KIND
 * [forgeline@32473 idx=… outcome=… actor=… order=… origin=…] BOM entry`. The MSG is the
 * entry's canonical JSON, the bytes its Merkle leaf commits to; `order` and `origin` are
 * left out when there is none.
 */
export function syslogMessage(record: ForwardRecord, options: { readonly hostname: string; readonly origin?: string }): Buffer {
  const params: [string, string][] = [['idx', String(record.index)], ['outcome', record.outcome], ['actor', record.actor]];
  if (record.orderId !== null) params.push(['order', record.orderId]);
  if (options.origin !== undefined) params.push(['origin', options.origin]);
  const structuredData = `[${SYSLOG_SD_ID}${params.map(([name, value]) => ` ${name}="${escapeParamValue(value)}"`).join('')}]`;
  const header = [
    `<${syslogPriority(record.outcome)}>1`,
    TIMESTAMP.test(record.at) ? record.at : '-',
    headerField(options.hostname, 255),
    SYSLOG_APP_NAME,
    '-', // PROCID: the forwarder's process id says nothing about the event.
    headerField(record.kind, 32),
  ].join(' ');
  return Buffer.concat([Buffer.from(`${header} ${structuredData} `, 'utf8'), BOM, Buffer.from(record.entry, 'utf8')]);
}

/** RFC 5425 §4.3 octet-counting framing: MSG-LEN SP SYSLOG-MSG, the length in octets. */
export function octetCountedFrame(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}
