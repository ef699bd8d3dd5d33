/**
 * Witness cosignatures checked in the browser (web/src/audit/verify-cosignatures.ts) on notes the
 * server's own code signs and cosigns (src/audit/checkpoint.ts, witness.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditIdentityOf, cosignCheckpoint, signCheckpoint, witnessKeyLine, witnessSigner } from '../../src/audit/index.js';
import { checkCosignatures, parseWitnessKey, type WitnessKey } from '../../web/src/audit/verify-cosignatures.js';

const log = auditIdentityOf('forgeline.audit/test', generateKeyPairSync('ed25519').privateKey);
const logKey = { name: log.signer.name, keyId: log.signer.keyId };
const witness = (name: string) => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = witnessSigner(name, privateKey);
  return { signer, keyLine: witnessKeyLine(name, signer.publicKey) };
};
const alpha = witness('witness.alpha');
const beta = witness('witness.beta');
const TIME = 1_795_000_000;

/** A checkpoint signed by the log and cosigned by alpha and beta. */
function cosignedNote(): string {
  let note = signCheckpoint({ origin: log.origin, size: 7, rootHash: new Uint8Array(32).fill(7) }, log.signer);
  for (const { signer } of [alpha, beta]) {
    const cosigned = cosignCheckpoint(note, signer, TIME);
    if (!cosigned.ok) throw new Error(cosigned.error.message);
    note = cosigned.value;
  }
  return note;
}

async function pinned(...lines: string[]): Promise<WitnessKey[]> {
  const keys: WitnessKey[] = [];
  for (const line of lines) {
    const key = await parseWitnessKey(line);
    if (!key.ok) throw new Error(key.message);
    keys.push(key.value);
  }
  return keys;
}

describe('witness cosignatures in the browser', () => {
  it('verifies the cosignature of a pinned witness and names the others as not pinned', async () => {
    const checked = await checkCosignatures(cosignedNote(), logKey, await pinned(alpha.keyLine));
    expect(checked).toEqual({
      ok: true,
      value: [
        { witness: alpha.keyLine.split('+').slice(0, 2).join('+'), timestamp: TIME, status: 'verified' },
        { witness: beta.keyLine.split('+').slice(0, 2).join('+'), timestamp: TIME, status: 'not-pinned' },
      ],
    });
  });

  it('finds no cosignature on a checkpoint only the log signed', async () => {
    const note = signCheckpoint({ origin: log.origin, size: 7, rootHash: new Uint8Array(32).fill(7) }, log.signer);
    expect(await checkCosignatures(note, logKey, await pinned(alpha.keyLine))).toEqual({ ok: true, value: [] });
  });

  it('fails a pinned witness\'s cosignature when its stated time was changed', async () => {
    const note = cosignedNote();
    // The line is "— name base64(keyID ‖ time ‖ signature)": move alpha's time by one second.
    const lines = note.split('\n');
    const at = lines.findIndex((line) => line.startsWith(`\u2014 ${alpha.signer.name} `));
    const bytes = Buffer.from(lines[at]?.split(' ')[2] ?? '', 'base64');
    bytes.writeBigUInt64BE(BigInt(TIME + 1), 4);
    lines[at] = `\u2014 ${alpha.signer.name} ${bytes.toString('base64')}`;
    const checked = await checkCosignatures(lines.join('\n'), logKey, await pinned(alpha.keyLine, beta.keyLine));
    expect(checked.ok && checked.value.map((cosignature) => cosignature.status)).toEqual(['failed', 'verified']);
  });

  it('reads a witness key whose base64 holds \'+\'', async () => {
    // Found by trying keys until one's base64 has '+' (about half do): the flaky split the test once made.
    let found: ReturnType<typeof witness> | undefined;
    for (let i = 0; i < 200 && found === undefined; i += 1) {
      const candidate = witness('witness.plus');
      if (candidate.keyLine.split('+').length > 3) found = candidate;
    }
    if (found === undefined) throw new Error('no key with + in its base64 in 200 tries');
    expect(await parseWitnessKey(found.keyLine)).toMatchObject({ ok: true, value: { keyLine: found.keyLine, name: 'witness.plus', keyId: found.signer.keyId } });
  });

  it('refuses key lines that are not witness keys', async () => {
    expect(await parseWitnessKey('no-key')).toEqual({ ok: false, message: 'A witness key is <name>+<8 hex digits>+<base64 key>.' });
    const logLine = `${log.signer.name}+${log.signer.keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.of(1), log.publicKey]).toString('base64')}`;
    expect(await parseWitnessKey(logLine)).toEqual({ ok: false, message: `The key ${logLine.split('+').slice(0, 2).join('+')} is not a witness cosignature (type 0x04) key.` });
    // The base64 key may itself hold '+': only the first two '+' separate the parts.
    const [name = '', , ...key] = alpha.keyLine.split('+');
    expect(await parseWitnessKey(`${name}+00000000+${key.join('+')}`)).toMatchObject({ ok: false, message: expect.stringMatching(/^The witness key ID 00000000 does not match its key \([0-9a-f]{8}\)\.$/) });
  });
});
