import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportJournal, signReport, verifyReport, type SignedReport } from '../../src/agent/index.js';

const DEVICE = randomUUID();
const ORDER = randomUUID();

describe('the edge agent\'s report outbox', () => {
  let dir: string;
  // The key `forgeline device enrol` makes: ECDSA P-256.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const report = (kind: 'started' | 'progress' | 'completed', data: Record<string, unknown> = {}) => ({ deviceId: DEVICE, orderId: ORDER, kind, at: new Date().toISOString(), data });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-outbox-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('signs each report with the device key: a changed count no longer verifies', async () => {
    const journal = await ReportJournal.open(dir);
    const signed = await journal.record(report('progress', { operationSeq: 10, good: '20', scrap: '1' }), privateKey);
    expect(verifyReport(signed, publicKey)).toBe(true);
    expect(verifyReport({ ...signed, report: { ...signed.report, data: { operationSeq: 10, good: '2000', scrap: '1' } } }, publicKey)).toBe(false);
    expect(verifyReport(signed, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toBe(false);
    const ed = generateKeyPairSync('ed25519');
    expect(verifyReport(signReport(signed.report, ed.privateKey), ed.publicKey)).toBe(true);
  });

  it('keeps reports while the server is away and sends them in order when it is back, each once, across restarts', async () => {
    const journal = await ReportJournal.open(dir);
    for (const [kind, good] of [['started', '0'], ['progress', '40'], ['progress', '60'], ['completed', '100']] as const) {
      await journal.record(report(kind, { good }), privateKey);
    }
    const received: SignedReport[] = [];
    let serverUp = false;
    const send = async (signed: SignedReport): Promise<void> => {
      if (!serverUp) throw new Error('connection refused');
      if (received.length === 2 && !received.some((r) => r.report.idempotencyKey === 'crash')) {
        // The server takes the third report, then the agent dies before moving its cursor.
        received.push(signed);
        received.push({ ...signed, report: { ...signed.report, idempotencyKey: 'crash' } });
        throw new Error('agent killed');
      }
      received.push(signed);
    };
    expect(await journal.drain(send)).toBe(0);
    expect(journal.pending()).toHaveLength(4);

    serverUp = true;
    expect(await journal.drain(send)).toBe(2);
    // After the restart the third report goes again, with the idempotency key the server already saw.
    const restarted = await ReportJournal.open(dir);
    expect(restarted.pending()).toHaveLength(2);
    expect(await restarted.drain(send)).toBe(2);
    const keys = received.filter((r) => r.report.idempotencyKey !== 'crash').map((r) => r.report.idempotencyKey);
    const original = (await ReportJournal.open(dir)).pending();
    expect(original).toHaveLength(0);
    const logged = (await readFile(join(dir, 'reports.log'), 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as SignedReport).report);
    // Every report reached the server in order; the one resent after the crash carries the same key, for the server to count once.
    expect([...new Set(keys)]).toEqual(logged.map((r) => r.idempotencyKey));
    expect(keys.filter((key) => key === logged[2]?.idempotencyKey)).toHaveLength(2);
    expect(logged.map((r) => r.data.good)).toEqual(['0', '40', '60', '100']);
  });

  it('drops a last line cut by a crash (never acknowledged) and refuses a damaged journal or cursor', async () => {
    const journal = await ReportJournal.open(dir);
    await journal.record(report('started'), privateKey);
    await appendFile(join(dir, 'reports.log'), '{"report":{"idempotencyKey":"cut');
    expect((await ReportJournal.open(dir)).pending()).toHaveLength(1);
    await writeFile(join(dir, 'reports.sent'), '7\n');
    await expect(ReportJournal.open(dir)).rejects.toMatchObject({ code: 'validation-failed' });
    await writeFile(join(dir, 'reports.sent'), '0\n');
    await writeFile(join(dir, 'reports.log'), `garbage\n${await readFile(join(dir, 'reports.log'), 'utf8')}`);
    await expect(ReportJournal.open(dir)).rejects.toMatchObject({ code: 'validation-failed' });
  });
});
