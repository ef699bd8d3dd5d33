/**
 * Where the forwarder sends the log: the target interface, the `--to` syntax (`stdout`,
 * `file:PATH`, `syslog+tls://HOST:PORT`), and the one place that builds a target from it.
 */
import { FileForwardTarget } from './file-forward-target.js';
import { ForwardError } from './forward-error.js';
import { formatJsonLine, type ForwardRecord } from './forward-record.js';
import { SyslogTlsTarget, type SyslogTlsMaterial } from './syslog-tls-target.js';

/**
 * A destination for audit records. `deliver` resolves only once the records are as safe as
 * the target can make them (fsync, the receiver's TLS closure): the forwarder saves its state
 * after that, never before.
 */
export interface ForwardTarget {
  /** How messages name the target: `file /var/log/audit.jsonl`, `syslog+tls://siem:6514`. */
  readonly label: string;
  /** Prepares the target; returns the highest index it already holds (read back from a file), or null when it cannot tell. */
  open(): Promise<number | null>;
  /** Sends records, in index order. */
  deliver(records: readonly ForwardRecord[]): Promise<void>;
  /** Releases the file or connection; safe to call when not open. */
  close(): Promise<void>;
}

/** RFC 5425 §4.1: the port assigned to syslog over TLS. */
export const SYSLOG_TLS_PORT = 6514;

/** A parsed `--to` value. */
export type TargetSpec =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'syslog-tls'; readonly host: string; readonly port: number };

const TARGET_FORMS = 'stdout, file:PATH or syslog+tls://HOST:PORT';

/** Parses a `--to` value; a bad one is a `bad-target` error that says what is accepted. */
export function parseTargetSpec(text: string): TargetSpec {
  if (text === 'stdout') return { kind: 'stdout' };
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    if (path === '') throw new ForwardError('bad-target', 'file: needs a path, e.g. file:/var/log/forgeline-audit.jsonl');
    return { kind: 'file', path };
  }
  if (text.startsWith('syslog+tls://')) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ForwardError('bad-target', `${text} is not a valid syslog+tls://HOST:PORT address`);
    }
    if (url.hostname === '' || url.username !== '' || url.password !== '' || !['', '/'].includes(url.pathname) || url.search !== '' || url.hash !== '') {
      throw new ForwardError('bad-target', `${text} must be just syslog+tls://HOST:PORT`);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? SYSLOG_TLS_PORT : Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ForwardError('bad-target', `${text}: the port must be 1 to 65535`);
    return { kind: 'syslog-tls', host, port };
  }
  throw new ForwardError('bad-target', `unknown target ${JSON.stringify(text)}: use ${TARGET_FORMS}`);
}

/** JSON Lines handed to a line writer (the CLI's standard output): no read-back, so no de-duplication on resume. */
export class LineForwardTarget implements ForwardTarget {
  readonly label = 'stdout';

  constructor(private readonly writeLine: (line: string) => void, private readonly origin?: string) {}

  open(): Promise<number | null> {
    return Promise.resolve(null);
  }

  deliver(records: readonly ForwardRecord[]): Promise<void> {
    for (const record of records) this.writeLine(formatJsonLine(record, this.origin));
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** What building a target needs besides its spec: the output, the log's origin and the TLS material. */
export interface TargetDeps {
  readonly writeLine: (line: string) => void;
  readonly origin?: string;
  /** The HOSTNAME of syslog messages (this machine's name). */
  readonly hostname: string;
  readonly tls?: SyslogTlsMaterial;
}

/** Builds the target a spec names; TLS material is refused for targets that do not use it. */
export function createForwardTarget(spec: TargetSpec, deps: TargetDeps): ForwardTarget {
  const tls = deps.tls ?? {};
  if (spec.kind !== 'syslog-tls' && (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined)) {
    throw new ForwardError('bad-target', '--ca, --cert and --key apply to syslog+tls:// targets only');
  }
  switch (spec.kind) {
    case 'stdout':
      return new LineForwardTarget(deps.writeLine, deps.origin);
    case 'file':
      return new FileForwardTarget(spec.path, deps.origin);
    case 'syslog-tls':
      return new SyslogTlsTarget({ host: spec.host, port: spec.port, hostname: deps.hostname, origin: deps.origin, tls });
  }
}
