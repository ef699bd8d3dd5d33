import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentRefusal, ReportJournal, signReport, TransientFailure, verifyReport, type ReportOutcome, type SignedReport } from '../../src/agent/index.js';

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

  it('writes reports recorded at once in the order they were recorded, in the file and the outbox', async () => {
    const journal = await ReportJournal.open(dir);
    const kinds = ['started', 'progress', 'completed', 'progress', 'started', 'completed'] as const;
    const signed = await Promise.all(kinds.map((kind, index) => journal.record(report(kind, { step: index }), privateKey)));
    await journal.close();
    const steps = (await readFile(join(dir, 'reports.log'), 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as SignedReport).report.data.step);
    expect(steps).toEqual([0, 1, 2, 3, 4, 5]);
    expect(journal.pending().map((entry) => entry.report.data.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(signed.every((entry) => verifyReport(entry, publicKey))).toBe(true);
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

  describe('in batches', () => {
    const isPermanent = (error: unknown) => error instanceof PermanentRefusal;
    const cursor = () => readFile(join(dir, 'reports.sent'), 'utf8').then((text) => text.trim(), () => '');
    const recordMany = async (count: number, orderOf: (index: number) => string = () => ORDER) => {
      const journal = await ReportJournal.open(dir);
      for (let index = 0; index < count; index += 1) await journal.record({ ...report('progress', { good: String(index) }), orderId: orderOf(index) }, privateKey);
      return journal;
    };

    it('sends N pending reports in ceil(N/50) requests and moves the cursor once per request', async () => {
      const journal = await recordMany(120);
      const calls: { size: number; cursorBefore: string }[] = [];
      const sendBatch = async (batch: readonly SignedReport[]): Promise<ReportOutcome[]> => {
        calls.push({ size: batch.length, cursorBefore: await cursor() });
        return batch.map(() => ({ ok: true }));
      };
      const single = () => Promise.reject(new Error('a batch drain sends no single report'));
      expect(await journal.drain(single, isPermanent, { sendBatch })).toBe(120);
      expect(calls).toEqual([{ size: 50, cursorBefore: '' }, { size: 50, cursorBefore: '50' }, { size: 20, cursorBefore: '100' }]);
      expect(await cursor()).toBe('120');
      expect(journal.pending()).toEqual([]);
      expect(await journal.drain(single, isPermanent, { sendBatch })).toBe(0);
      expect(calls).toHaveLength(3);
    });

    it('stops at a transient failure inside a batch: the cursor stays before it, and a restart sends from there without doubling anything', async () => {
      // Reports 0, 2, 4 are of one order, 1 and 3 of another; the server fails report 2 and takes the others of the batch.
      const other = randomUUID();
      const journal = await recordMany(5, (index) => (index % 2 === 1 ? other : ORDER));
      const logged = journal.pending().map((signed) => signed.report.idempotencyKey);
      const applied = new Map<string, number>();
      const batches: string[][] = [];
      let failing: string | undefined = logged[2];
      const sendBatch = (batch: readonly SignedReport[]): Promise<ReportOutcome[]> => {
        batches.push(batch.map((signed) => signed.report.idempotencyKey));
        return Promise.resolve(batch.map((signed) => {
          const key = signed.report.idempotencyKey;
          if (key === failing) return { ok: false, error: new TransientFailure('internal: database away') };
          // The server de-duplicates by idempotency key: a resend is answered, not applied again.
          if (!applied.has(key)) applied.set(key, 1);
          return { ok: true };
        }));
      };
      const single = () => Promise.reject(new Error('no single sends'));
      expect(await journal.drain(single, isPermanent, { sendBatch })).toBe(2);
      expect(await cursor()).toBe('2');
      expect(journal.pending().map((signed) => signed.report.idempotencyKey)).toEqual(logged.slice(2));

      failing = undefined;
      const restarted = await ReportJournal.open(dir);
      expect(await restarted.drain(single, isPermanent, { sendBatch })).toBe(3);
      expect(batches).toEqual([logged, logged.slice(2)]);
      expect(await cursor()).toBe('5');
      expect([...applied.keys()].sort()).toEqual([...logged].sort());
      expect([...applied.values()].every((count) => count === 1)).toBe(true);
    });

    it('sets aside a report refused for good and goes on; a request not taken at all leaves the cursor', async () => {
      const journal = await recordMany(3);
      const [, refused] = journal.pending();
      let away = true;
      const sendBatch = (batch: readonly SignedReport[]): Promise<ReportOutcome[]> => {
        if (away) return Promise.reject(new TransientFailure('ECONNREFUSED'));
        return Promise.resolve(batch.map((signed) => (signed === refused ? { ok: false, error: new PermanentRefusal(422, 'report-signature-invalid', 'not signed by this device') } : { ok: true })));
      };
      const single = () => Promise.reject(new Error('no single sends'));
      expect(await journal.drain(single, isPermanent, { sendBatch })).toBe(0);
      expect(await cursor()).toBe('');
      away = false;
      expect(await journal.drain(single, isPermanent, { sendBatch })).toBe(3);
      expect(await cursor()).toBe('3');
      const setAside = (await readFile(join(dir, 'reports.refused'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as SignedReport & { reason: string });
      expect(setAside).toEqual([expect.objectContaining({ report: refused?.report, reason: 'not signed by this device' })]);
    });

    it('counts reports the sender left untried as not sent', async () => {
      const journal = await recordMany(4);
      // One outcome for four reports: the sender stopped after the first (as single sends after a failure do).
      const sendBatch = (): Promise<ReportOutcome[]> => Promise.resolve([{ ok: true }]);
      expect(await journal.drain(() => Promise.resolve(), isPermanent, { sendBatch })).toBe(1);
      expect(await cursor()).toBe('1');
    });
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
