/**
 * node-opcua writes its warnings and errors to the console; the agent wants them in its own log
 * instead (or nowhere). Importing this module routes them to one sink, set with
 * {@link setOpcuaLogSink}, and drops the PKCS#1 v1.5 diagnostic node-opcua prints on Node 20 at
 * load (NODE-OPCUA-W27): the only policies offered here, Basic256Sha256 and
 * Aes256_Sha256_RsaPss, encrypt with RSA-OAEP and never use PKCS#1 v1.5.
 */
import { format } from 'node:util';
import { setErrorLogger, setWarningLogger } from 'node-opcua';

/** Where node-opcua's messages go: a level and the formatted text. */
export type OpcuaLogSink = (level: 'warning' | 'error', message: string) => void;

let sink: OpcuaLogSink = () => undefined;

/** Sends node-opcua's warnings and errors to `next` (by default they are dropped). */
export function setOpcuaLogSink(next: OpcuaLogSink): void {
  sink = next;
}

function route(level: 'warning' | 'error') {
  // node-opcua calls the logger with its caller context first, then printf-style arguments.
  return (_context?: unknown, ...args: unknown[]): void => {
    const message = format(...args);
    if (/NODE-OPCUA-W27|CVE-2023-46809|node version v\d/.test(message)) return;
    sink(level, message);
  };
}

setWarningLogger(route('warning'));
setErrorLogger(route('error'));
