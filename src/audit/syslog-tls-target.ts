import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { ForwardError, systemReason } from './forward-error.js';
import type { ForwardRecord } from './forward-record.js';
import type { ForwardTarget } from './forward-targets.js';
import { octetCountedFrame, syslogMessage } from './syslog-format.js';

/** PEM text for a syslog TLS connection: the CAs to trust (default: the system's) and an optional client certificate. */
export interface SyslogTlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Where and how to send syslog over TLS. */
export interface SyslogTlsOptions {
  readonly host: string;
  readonly port: number;
  /** The HOSTNAME field of every message. */
  readonly hostname: string;
  /** The log's origin, sent in the structured data so one SIEM can tell several logs apart. */
  readonly origin?: string | undefined;
  readonly tls: SyslogTlsMaterial;
  /** How long connecting, and the receiver's answer to our closure, may take (default 30 s). */
  readonly timeoutMs?: number;
}

// Failures of trust or protocol: retrying the same handshake gives the same answer.
function isTrustFailure(code: string): boolean {
  return code.includes('CERT') || code.startsWith('ERR_SSL_') || code === 'HOSTNAME_MISMATCH';
}

/**
 * RFC 5424 messages over TLS 1.2 or later with RFC 5425 octet-counting framing, one connection
 * per batch. RFC 5425 has no acknowledgement, and a finished socket write only means the bytes
 * reached this machine's kernel; so each batch ends with the closure of RFC 5425 §4.4: we send
 * close_notify, the receiver MUST answer with its own, and its end of stream is the only sign
 * it gives of having read everything before it. Only then does `deliver` resolve. A connection
 * reset or lost before that fails the batch, and the forwarder sends it again from its saved
 * index: at least once, with `idx` in every message for the SIEM to drop repeats. What this
 * cannot see: a receiver that read the batch and lost it before storing it, or one that closed
 * on its own at the very moment our batch was in flight.
 */
export class SyslogTlsTarget implements ForwardTarget {
  readonly label: string;
  private readonly context: SecureContext;
  private readonly timeoutMs: number;
  private socket: TLSSocket | undefined;

  constructor(private readonly options: SyslogTlsOptions) {
    this.label = `syslog+tls://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const { ca, cert, key } = options.tls;
    if ((cert === undefined) !== (key === undefined)) throw new ForwardError('bad-target', '--cert and --key go together: give both for client authentication, or neither');
    try {
      this.context = createSecureContext({ ca, cert, key, minVersion: 'TLSv1.2' });
    } catch (error) {
      throw new ForwardError('bad-target', `the TLS certificates or key for ${this.label} do not load: ${systemReason(error)}`, { cause: error });
    }
  }

  open(): Promise<number | null> {
    // A syslog receiver cannot be read back: nothing to de-duplicate against, and no need to connect yet.
    return Promise.resolve(null);
  }

  async deliver(records: readonly ForwardRecord[]): Promise<void> {
    const payload = Buffer.concat(records.map((record) => octetCountedFrame(syslogMessage(record, this.options))));
    const socket = await this.connect();
    try {
      await this.sendAndClose(socket, payload);
    } finally {
      socket.destroy();
      this.socket = undefined;
    }
  }

  close(): Promise<void> {
    this.socket?.destroy();
    this.socket = undefined;
    return Promise.resolve();
  }

  private failure(error: unknown, connected: boolean): ForwardError {
    if (error instanceof ForwardError) return error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = systemReason(error);
    if (isTrustFailure(code)) return new ForwardError('target-untrusted', `the TLS handshake with ${this.label} failed: ${reason}`, { cause: error });
    if (!connected) return new ForwardError('target-unreachable', `cannot reach ${this.label}: ${reason}`, { cause: error });
    return new ForwardError('target-failed', `lost the connection to ${this.label}: ${reason}`, { cause: error });
  }

  private connect(): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.options.host, port: this.options.port, secureContext: this.context });
      this.socket = socket;
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no TLS connection after ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), this.timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(this.failure(error, false));
      };
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        resolve(socket);
      });
    });
  }

  private sendAndClose(socket: TLSSocket, payload: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(() => fail(Object.assign(new Error(`the server did not answer the closure within ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), this.timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(this.failure(error, true));
      };
      socket.on('error', fail);
      // The receiver's end of stream, after our close_notify, is its answer. A receiver that dies
      // with our bytes unread resets the connection instead (an 'error' above).
      socket.on('end', () => {
        answered = true;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (answered) resolve();
        else reject(this.failure(Object.assign(new Error('the connection closed before the server confirmed the batch'), { code: 'ECONNRESET' }), true));
      });
      // Anything the receiver sends is read and dropped, so that its end of stream is seen.
      socket.resume();
      socket.write(payload);
      // close_notify, then FIN, after the payload (RFC 5425 §4.4).
      socket.end();
    });
  }
}
