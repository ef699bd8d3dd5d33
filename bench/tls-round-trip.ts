/**
 * The machine's raw TLS round trip on loopback: one established TLS 1.3 connection (the same
 * P-256 certificates Forgeline uses), a small message written and echoed back, one at a time.
 * What an order can cross the network in at best, beside the shop-floor latencies.
 */
import { createServer, connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueServerCertificate } from '../src/crypto/index.js';
import { msBetween, now, quantile } from './timing.js';

/** Round trips of `bytes` bytes over one TLS connection for `durationMs`: their rate and latency percentiles. */
export async function measureTlsRoundTrip(durationMs: number, bytes = 1_024): Promise<{ perSecond: number; p50Ms: number; p99Ms: number; count: number }> {
  const ca = await createCertificateAuthority({ commonName: 'bench CA', validityDays: 2 });
  const server = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  const listener = createServer({ key: server.privateKeyPem, cert: server.chainPem, minVersion: 'TLSv1.3' }, (socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const opened = connect({ host: '127.0.0.1', port, ca: ca.certificatePem, servername: 'localhost' }, () => resolve(opened));
    opened.once('error', reject);
  });
  socket.setNoDelay(true);
  const message = Buffer.alloc(bytes, 0x61);
  const roundTrip = (): Promise<void> =>
    new Promise((resolve) => {
      let received = 0;
      const onData = (chunk: Buffer): void => {
        received += chunk.length;
        if (received >= bytes) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(message);
    });
  try {
    for (let index = 0; index < 200; index += 1) await roundTrip();
    const latencies: number[] = [];
    const start = now();
    const deadline = start + BigInt(Math.round(durationMs * 1e6));
    while (now() < deadline) {
      const began = now();
      await roundTrip();
      latencies.push(msBetween(began, now()));
    }
    const seconds = msBetween(start, now()) / 1000;
    latencies.sort((a, b) => a - b);
    return { perSecond: latencies.length / seconds, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), count: latencies.length };
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}
