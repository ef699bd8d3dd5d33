/** Test helpers for the audit forwarder: entries to append, and a syslog-over-TLS receiver that parses what it gets. */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { createCertificateAuthority, issueServerCertificate, type CertificateAuthority, type ServerCertificate } from '../../src/crypto/index.js';
import { appendAuditEntry, withWriteTransaction, type AuditEntryFields, type Store } from '../../src/store/index.js';

/** An actor name that needs every RFC 5424 PARAM-VALUE escape: '"', '\' and ']'. */
export const AWKWARD_ACTOR = 'eve "the ]admin\\"';

/** The fields of the n-th test entry: kinds, outcomes, orders and actors vary with n. */
export function entryFields(n: number): AuditEntryFields {
  return {
    at: new Date(Date.UTC(2026, 10, 26, 8, 0, 0, n)).toISOString(),
    actor: n % 3 === 0 ? AWKWARD_ACTOR : 'pia.planner',
    actorId: null,
    source: 'test',
    kind: n % 2 === 0 ? 'order.create' : 'order.release',
    outcome: n % 4 === 3 ? 'denied' : 'ok',
    orderId: n % 5 === 0 ? null : `order-${n}`,
    detail: { n, note: 'Prüfmaß ✓' },
  };
}

/** Appends `count` entries, one transaction each, numbering them from the log's current size. */
export async function appendEntries(store: Store, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await withWriteTransaction(store, async (trx) => {
      const { last } = await trx.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow();
      return appendAuditEntry(trx, entryFields(last === null ? 0 : Number(last) + 1));
    });
  }
}

/** A CA and a certificate for 127.0.0.1 it issued. */
export async function localhostPki(): Promise<{ ca: CertificateAuthority; server: ServerCertificate }> {
  const ca = await createCertificateAuthority({ commonName: 'Forwarder test CA', validityDays: 2 });
  const server = await issueServerCertificate(ca, { commonName: 'syslog.test', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  return { ca, server };
}

/** One RFC 5425 frame as received, with the connection (1-based) it came on. */
export interface ReceivedFrame {
  readonly connection: number;
  readonly message: Buffer;
}

/** A syslog-over-TLS receiver on 127.0.0.1. */
export interface SyslogReceiver {
  readonly port: number;
  readonly frames: ReceivedFrame[];
  connections(): number;
  close(): Promise<void>;
}

/**
 * Starts a receiver that splits RFC 5425 octet-counted frames (`<len> <msg>`). With `killAt`, it
 * resets the TCP connection (RST, as a crash or a firewall would) right after the frame with that
 * 1-based running number, dropping whatever else that connection carried.
 */
export async function startSyslogReceiver(server: ServerCertificate, options: { killAt?: readonly number[] } = {}): Promise<SyslogReceiver> {
  const secureContext = createSecureContext({ key: server.privateKeyPem, cert: server.chainPem });
  const frames: ReceivedFrame[] = [];
  const kills = new Set(options.killAt ?? []);
  const sockets = new Set<Socket>();
  let connections = 0;
  const listener = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    const connection = ++connections;
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    tls.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let killed = false;
    tls.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const space = pending.indexOf(0x20);
        if (killed || space < 0) return;
        const header = pending.subarray(0, space).toString('ascii');
        if (!/^[1-9]\d*$/.test(header)) throw new Error(`bad frame length ${JSON.stringify(header)}`);
        const end = space + 1 + Number(header);
        if (pending.length < end) return;
        frames.push({ connection, message: pending.subarray(space + 1, end) });
        pending = pending.subarray(end);
        if (kills.has(frames.length)) {
          killed = true;
          raw.resetAndDestroy();
        }
      }
    });
    // RFC 5425 §4.4: answer the sender's close_notify with our own.
    tls.on('end', () => tls.end());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as AddressInfo).port,
    frames,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      listener.close(() => resolve());
    }),
  };
}

/** An RFC 5424 message taken apart by an independent reading of the grammar (§6). */
export interface ParsedSyslog {
  readonly pri: number;
  readonly version: string;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly sdId: string;
  /** The raw STRUCTURED-DATA text, escapes and all. */
  readonly structuredData: string;
  readonly params: Record<string, string>;
  readonly bom: boolean;
  readonly msg: string;
}

const HEADER = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /;
const PARAM_VALUE = '(?:[^"\\\\\\]]|\\\\["\\\\\\]])*';
const ELEMENT = new RegExp(`^\\[([^ =\\]"]+)((?: [^ =\\]"]+="${PARAM_VALUE}")*)\\]`);
const PARAM = new RegExp(` ([^ =\\]"]+)="(${PARAM_VALUE})"`, 'g');

/** Parses one message with a single SD-ELEMENT and a UTF-8 MSG. */
export function parseSyslog(message: Buffer): ParsedSyslog {
  const text = message.toString('utf8');
  const header = HEADER.exec(text);
  if (!header) throw new Error(`not an RFC 5424 header: ${text.slice(0, 80)}`);
  const rest = text.slice(header[0].length);
  const element = ELEMENT.exec(rest);
  if (!element) throw new Error(`not one SD-ELEMENT: ${rest.slice(0, 120)}`);
  const params: Record<string, string> = {};
  for (const match of (element[2] ?? '').matchAll(PARAM)) params[match[1] ?? ''] = (match[2] ?? '').replace(/\\(["\\\]])/g, '$1');
  const after = Buffer.from(rest.slice(element[0].length), 'utf8');
  if (after[0] !== 0x20) throw new Error('no SP between STRUCTURED-DATA and MSG');
  const body = after.subarray(1);
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  return {
    pri: Number(header[1]), version: header[2] ?? '', timestamp: header[3] ?? '', hostname: header[4] ?? '', appName: header[5] ?? '',
    procId: header[6] ?? '', msgId: header[7] ?? '', sdId: element[1] ?? '', structuredData: element[0], params, bom,
    msg: body.subarray(bom ? 3 : 0).toString('utf8'),
  };
}

/** Waits until `done()` holds, checking every 10 ms, failing after `ms`. */
export async function eventually(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
