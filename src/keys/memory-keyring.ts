/** A keyring that lives only in memory: for tests and tools that never keep a wrapped key. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring, WrappedKey } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';

/** A throw-away keyring with one random key-encryption key (AES-256-GCM, as the file keyring wraps). */
export function ephemeralKeyring(kekId = `kek-memory-${randomBytes(4).toString('hex')}`): Keyring {
  const kek = randomBytes(32);
  const additionalData = Buffer.from(`forgeline-wrap:v1:${kekId}`, 'utf8');
  return {
    kind: 'file',
    activeKekId: kekId,
    wrap(secret: Uint8Array): Promise<WrappedKey> {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(additionalData);
      const body = Buffer.concat([cipher.update(secret), cipher.final()]);
      return Promise.resolve({ kekId, wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url') });
    },
    unwrap(key: WrappedKey): Promise<Buffer> {
      if (key.kekId !== kekId) return Promise.reject(new ForgelineError('keyring-unavailable', `the key-encryption key ${key.kekId} is not in this keyring`));
      try {
        const bytes = Buffer.from(key.wrapped, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, 12)).setAAD(additionalData);
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Promise.resolve(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]));
      } catch {
        return Promise.reject(new ForgelineError('decryption-failed', `a key wrapped by ${kekId} could not be unwrapped: wrong key, or the wrapped key was changed`));
      }
    },
  };
}
