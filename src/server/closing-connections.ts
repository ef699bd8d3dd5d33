/**
 * What a closing server must not wait for. Node's `server.close()` ends idle keep-alive
 * connections, but not one that is open and has not yet sent a request (a browser's or a pooled
 * client's connection opened ahead of use): its headers timer stops at close, so the close would
 * wait for the client. Those are ended at once; any other request still running after the grace
 * period is cut, so a stuck client cannot hold a shutdown forever.
 */
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** How long a closing server lets requests in flight finish before it cuts their connections, in ms. */
export const CLOSE_GRACE_MS = 10_000;

/** Registers on `app` the clean-up of connections at close (see the module's comment). */
export function endConnectionsOnClose(app: FastifyInstance, options: { readonly https: boolean; readonly graceMs?: number | undefined }): void {
  // Connections that have not yet carried a request (the TLS socket on HTTPS, where requests are read).
  const unused = new Set<Socket>();
  let closing = false;
  app.server.on(options.https ? 'secureConnection' : 'connection', (socket: Socket) => {
    // A handshake that finished after the close began: nothing will be answered on it.
    if (closing) {
      socket.destroy();
      return;
    }
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: { socket: Socket }) => unused.delete(request.socket));
  let cutOff: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of unused) socket.destroy();
    unused.clear();
    cutOff = setTimeout(() => app.server.closeAllConnections(), options.graceMs ?? CLOSE_GRACE_MS);
    cutOff.unref();
  });
  app.addHook('onClose', async () => clearTimeout(cutOff));
}
