/**
 * Witness cosignatures in the browser (C2SP tlog-cosignature, cosignature/v1), as the server's
 * src/audit/checkpoint.ts writes and checks them: a witness key line of signature type 0x04, and a
 * note signature line holding an 8-byte big-endian time and an Ed25519 signature over
 * `cosignature/v1\ntime <seconds>\n` followed by the checkpoint text. Nothing here throws on input.
 */
import { decodeBase64, ed25519Verify, utf8, type Bytes } from './verify-bytes.js';
import { keyIdHex, noteKeyId, parseNote, type Checked } from './verify-note.js';

/** The signature type of cosignature/v1 keys and lines. */
const COSIGNATURE_TYPE = 0x04;
const NAME_FORBIDDEN = /[\p{White_Space}+\p{Cc}]/u;

/** A witness's public key, as the auditor pinned it. */
export interface WitnessKey {
  readonly keyLine: string;
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Bytes;
}

/** Reads a witness key line `<name>+<hex key ID>+<base64(0x04 || key)>`, checking its key ID. */
export async function parseWitnessKey(line: string): Promise<Checked<WitnessKey>> {
  const keyLine = line.trim();
  const [name = '', id = '', ...rest] = keyLine.split('+');
  const bytes = decodeBase64(rest.join('+'));
  if (name === '' || NAME_FORBIDDEN.test(name) || !/^[0-9a-f]{8}$/.test(id) || bytes === undefined || bytes.length === 0) {
    return { ok: false, message: 'A witness key is <name>+<8 hex digits>+<base64 key>.' };
  }
  if (bytes[0] !== COSIGNATURE_TYPE) return { ok: false, message: `The key ${name}+${id} is not a witness cosignature (type 0x04) key.` };
  const publicKey = bytes.slice(1);
  if (publicKey.length !== 32) return { ok: false, message: `The witness key ${name}+${id} does not hold 32 bytes.` };
  const keyId = await noteKeyId(name, publicKey, COSIGNATURE_TYPE);
  if (keyIdHex(keyId) !== id) return { ok: false, message: `The witness key ID ${id} does not match its key (${keyIdHex(keyId)}).` };
  return { ok: true, value: { keyLine, name, keyId, publicKey } };
}

/** One cosignature on a checkpoint, and what this browser makes of it. */
export interface Cosignature {
  /** `<name>+<hex key ID>`. */
  readonly witness: string;
  /** Seconds since the epoch the witness stated, when the line has the cosignature/v1 shape. */
  readonly timestamp: number | undefined;
  /** Verified against a pinned key; from a witness whose key is not pinned here; or failing against the pinned key. */
  readonly status: 'verified' | 'not-pinned' | 'failed';
}

/**
 * The cosignatures on `note` (every signature line but the log's own), each verified against the
 * pinned witness key with its name and key ID, if any. The log's signature is checked elsewhere.
 */
export async function checkCosignatures(note: string, log: { readonly name: string; readonly keyId: number }, pinned: readonly WitnessKey[]): Promise<Checked<readonly Cosignature[]>> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const body = utf8(parsed.value.text);
  const found: Cosignature[] = [];
  for (const line of parsed.value.signatures) {
    if (line.name === log.name && line.keyId === log.keyId) continue;
    const witness = `${line.name}+${keyIdHex(line.keyId)}`;
    const shaped = line.signature.length === 72;
    const view = new DataView(line.signature.buffer, line.signature.byteOffset, line.signature.byteLength);
    const time = shaped ? view.getBigUint64(0) : undefined;
    // Times past 2^53 are refused, as the server does: every time is then an exact number.
    const timestamp = time !== undefined && time <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(time) : undefined;
    const key = pinned.find((candidate) => candidate.name === line.name && candidate.keyId === line.keyId);
    if (key === undefined) {
      found.push({ witness, timestamp, status: 'not-pinned' });
      continue;
    }
    const message = new Uint8Array([...utf8(`cosignature/v1\ntime ${timestamp ?? 0}\n`), ...body]);
    const verified = timestamp !== undefined && (await ed25519Verify(key.publicKey, line.signature.slice(8), message));
    found.push({ witness, timestamp, status: verified ? 'verified' : 'failed' });
  }
  return { ok: true, value: found };
}
