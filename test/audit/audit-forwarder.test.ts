import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  AuditForwarder, ForwardError, ForwardStateFile, SYSLOG_SD_ID, createForwardTarget, parseTargetSpec, storeEntrySource,
  type AuditForwarderOptions, type ForwardEvent, type ForwardStateStore, type ForwardTarget,
} from '../../src/audit/forwarding.js';
import { describeEachEngine } from '../support/engines.js';
import { AWKWARD_ACTOR, appendEntries, eventually, localhostPki, parseSyslog, startSyslogReceiver, type SyslogReceiver } from './forward-test-kit.js';

const ORIGIN = 'forgeline.audit/test/forwarder';

/**
 * Issue 3, point 8: the log forwarded to a file or to a SIEM over syslog/TLS resumes after a
 * restart or a crash with no gap, and without duplicates wherever the target can be read back.
 */
describeEachEngine('forwarding the audit log', (engine) => {
  let dir: string;
  let statePath: string;
  let filePath: string;
  const store = () => engine.store();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-forward-'));
    statePath = join(dir, 'forward.state');
    filePath = join(dir, 'audit.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const rows = () => store().db.selectFrom('audit_entries').selectAll().orderBy('idx').execute();
  const fileForwarder = (options: Partial<AuditForwarderOptions> = {}) => new AuditForwarder({
    source: storeEntrySource(store()),
    target: createForwardTarget(parseTargetSpec(`file:${filePath}`), { writeLine: () => undefined, origin: ORIGIN, hostname: 'test' }),
    state: new ForwardStateFile(statePath),
    origin: ORIGIN,
    batchSize: 4,
    ...options,
  });
  const fileLines = async () => (await readFile(filePath, 'utf8')).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { index: number; origin: string; leafHash: string; entry: unknown });
  const fileIndices = async () => (await fileLines()).map((line) => line.index);
  const savedState = async () => JSON.parse(await readFile(statePath, 'utf8')) as unknown;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const rejection = async (promise: Promise<unknown>): Promise<ForwardError> => {
    const error = await promise.then(() => undefined, (failure: unknown) => failure);
    if (!(error instanceof ForwardError)) throw new Error(`expected a ForwardError, got ${String(error)}`);
    return error;
  };

  it('forwards 10 entries, then after a restart only the 5 appended since: 0..14 once each', async () => {
    await appendEntries(store(), 10);
    expect(await fileForwarder().forwardOnce()).toEqual({ forwarded: 10, nextIndex: 10 });
    await appendEntries(store(), 5);
    expect(await fileForwarder().forwardOnce()).toEqual({ forwarded: 5, nextIndex: 15 });
    expect(await fileIndices()).toEqual(range(15));
    expect(await savedState()).toEqual({ origin: ORIGIN, nextIndex: 15 });
    // Each line carries the exact entry bytes and their leaf hash.
    const stored = await rows();
    for (const [i, line] of (await fileLines()).entries()) {
      expect(JSON.stringify(line.entry)).toBe(stored[i]?.entry);
      expect(line).toMatchObject({ index: i, origin: ORIGIN, leafHash: stored[i]?.leaf_hash });
    }
  });

  it('survives a crash after the file write and before the state save: nothing is written twice', async () => {
    await appendEntries(store(), 10);
    const real = new ForwardStateFile(statePath);
    const crashing: ForwardStateStore = {
      read: () => real.read(),
      write: (state) => (state.nextIndex === 8 ? Promise.reject(new Error('simulated crash before the state save')) : real.write(state)),
    };
    await expect(fileForwarder({ state: crashing }).forwardOnce()).rejects.toThrow('simulated crash');
    expect(await fileIndices()).toEqual(range(8));
    expect(await savedState()).toEqual({ origin: ORIGIN, nextIndex: 4 });

    const events: ForwardEvent[] = [];
    expect(await fileForwarder({ onEvent: (event) => events.push(event) }).forwardOnce()).toEqual({ forwarded: 2, nextIndex: 10 });
    expect(events[0]).toEqual({ type: 'resumed', nextIndex: 8, alreadyHeld: 4 });
    await appendEntries(store(), 3);
    await fileForwarder().forwardOnce();
    expect(await fileIndices()).toEqual(range(13));
  });

  it('cuts a torn last line left by a crash mid-write and sends that record again', async () => {
    await appendEntries(store(), 6);
    await fileForwarder().forwardOnce();
    await appendEntries(store(), 2);
    await appendFile(filePath, `{"index":6,"origin":"${ORIGIN}","leafH`);
    expect(await fileForwarder().forwardOnce()).toEqual({ forwarded: 2, nextIndex: 8 });
    expect(await fileIndices()).toEqual(range(8));
  });

  it('keeps running after a failed write: retries from the saved index, and the file holds each entry once', async () => {
    await appendEntries(store(), 9);
    const file = createForwardTarget(parseTargetSpec(`file:${filePath}`), { writeLine: () => undefined, origin: ORIGIN, hostname: 'test' });
    let failed = false;
    // The second batch (4..7) fails half-way: two lines written, a third torn, then an I/O error.
    const flaky: ForwardTarget = {
      label: file.label,
      open: () => file.open(),
      close: () => file.close(),
      deliver: async (records) => {
        if (records[0]?.index !== 4 || failed) return file.deliver(records);
        failed = true;
        await file.deliver(records.slice(0, 2));
        await appendFile(filePath, '{"index":6,"or');
        throw new ForwardError('target-failed', 'cannot write: input/output error (EIO)');
      },
    };
    const events: ForwardEvent[] = [];
    const controller = new AbortController();
    const running = fileForwarder({
      target: flaky, intervalMs: 10, retry: { initialMs: 5, maxMs: 10 },
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'delivered' && event.last === 8) controller.abort();
      },
    }).run(controller.signal);
    expect(await running).toEqual({ forwarded: 7, nextIndex: 9 });
    expect(await fileIndices()).toEqual(range(9));
    expect(events.map((event) => (event.type === 'retrying' ? `retrying ${event.error.code}` : JSON.stringify(event)))).toEqual([
      JSON.stringify({ type: 'resumed', nextIndex: 0, alreadyHeld: 0 }),
      JSON.stringify({ type: 'delivered', first: 0, last: 3 }),
      'retrying target-failed',
      JSON.stringify({ type: 'resumed', nextIndex: 6, alreadyHeld: 2 }),
      JSON.stringify({ type: 'delivered', first: 6, last: 8 }),
    ]);
  });

  it('stops running on a failure that retrying cannot fix', async () => {
    await appendEntries(store(), 2);
    await writeFile(statePath, JSON.stringify({ origin: 'forgeline.audit/elsewhere/1', nextIndex: 0 }));
    expect(await rejection(fileForwarder({ retry: { initialMs: 5, maxMs: 10 } }).run(new AbortController().signal))).toMatchObject({ code: 'state-mismatch' });
  });

  it('refuses to append to a file whose last line is not a forwarded record, and leaves it alone', async () => {
    await appendEntries(store(), 3);
    await writeFile(filePath, 'someone else\'s notes\n');
    expect(await rejection(fileForwarder().forwardOnce())).toMatchObject({ code: 'target-mismatch', retryable: false });
    expect(await readFile(filePath, 'utf8')).toBe('someone else\'s notes\n');
  });

  it('refuses a state file saved for another log', async () => {
    await appendEntries(store(), 3);
    await writeFile(statePath, JSON.stringify({ origin: 'forgeline.audit/elsewhere/1', nextIndex: 1 }));
    const error = await rejection(fileForwarder().forwardOnce());
    expect(error).toMatchObject({ code: 'state-mismatch', retryable: false });
    expect(error.message).toContain('forgeline.audit/elsewhere/1');
  });

  it('refuses a state ahead of the log: a rolled-back or truncated log is not silently skipped', async () => {
    await appendEntries(store(), 10);
    await writeFile(statePath, JSON.stringify({ origin: ORIGIN, nextIndex: 50 }));
    const error = await rejection(fileForwarder().forwardOnce());
    expect(error).toMatchObject({ code: 'state-mismatch' });
    expect(error.message).toMatch(/says 50 entries .* holds only 10/);
  });

  it('names the state file when it is damaged or unreadable', async () => {
    await writeFile(statePath, '{"nextIndex": 3');
    const damaged = await rejection(fileForwarder().forwardOnce());
    expect(damaged).toMatchObject({ code: 'state-invalid' });
    expect(damaged.message).toContain(statePath);
    await rm(statePath);
    await mkdir(statePath);
    const unreadable = await rejection(fileForwarder().forwardOnce());
    expect(unreadable).toMatchObject({ code: 'state-unreadable' });
    expect(unreadable.message).toContain(statePath);
  });

  it('stops at a missing index, having forwarded everything before it', async () => {
    await appendEntries(store(), 10);
    await store().db.deleteFrom('audit_entries').where('idx', '=', 6).execute();
    const error = await rejection(fileForwarder().forwardOnce());
    expect(error).toMatchObject({ code: 'log-gap', retryable: false });
    expect(error.message).toContain('entry 6 is missing');
    expect(await fileIndices()).toEqual(range(6));
    expect(await savedState()).toEqual({ origin: ORIGIN, nextIndex: 6 });
  });

  it('writes JSON Lines to a line writer (stdout) and resumes from the state', async () => {
    await appendEntries(store(), 3);
    const lines: string[] = [];
    const stdout = () => fileForwarder({ target: createForwardTarget(parseTargetSpec('stdout'), { writeLine: (line) => lines.push(line), origin: ORIGIN, hostname: 'test' }) });
    await stdout().forwardOnce();
    await appendEntries(store(), 2);
    await stdout().forwardOnce();
    expect(lines.map((line) => (JSON.parse(line) as { index: number }).index)).toEqual(range(5));
  });

  describeSyslog();

  function describeSyslog(): void {
    let receiver: SyslogReceiver | undefined;
    afterEach(async () => {
      await receiver?.close();
      receiver = undefined;
    });
    const syslogForwarder = async (port: number, ca: string, options: Partial<AuditForwarderOptions> = {}) => new AuditForwarder({
      source: storeEntrySource(store()),
      target: createForwardTarget(parseTargetSpec(`syslog+tls://127.0.0.1:${port}`), { writeLine: () => undefined, origin: ORIGIN, hostname: 'plant-7.example', tls: { ca } }),
      state: new ForwardStateFile(statePath),
      origin: ORIGIN,
      batchSize: 4,
      ...options,
    });

    it('sends RFC 5424 messages over TLS with octet counting: PRI, header, escaped structured data, BOM and the entry', async () => {
      const { ca, server } = await localhostPki();
      receiver = await startSyslogReceiver(server);
      await appendEntries(store(), 6);
      expect(await (await syslogForwarder(receiver.port, ca.certificatePem)).forwardOnce()).toEqual({ forwarded: 6, nextIndex: 6 });
      const stored = await rows();
      expect(receiver.frames).toHaveLength(6);
      // One connection per batch, each closed only once the receiver answered (RFC 5425 §4.4).
      expect(receiver.connections()).toBe(2);
      for (const [i, frame] of receiver.frames.entries()) {
        const row = stored[i];
        if (!row) throw new Error('missing row');
        const message = parseSyslog(frame.message);
        expect(message).toMatchObject({
          pri: 13 * 8 + (row.outcome === 'ok' ? 6 : 4), version: '1', timestamp: row.at, hostname: 'plant-7.example',
          appName: 'forgeline', procId: '-', msgId: row.kind, sdId: SYSLOG_SD_ID, bom: true, msg: row.entry,
        });
        expect(message.params).toEqual({ idx: String(i), outcome: row.outcome, actor: row.actor, ...(row.order_id ? { order: row.order_id } : {}), origin: ORIGIN });
      }
      expect(receiver.frames.some((frame) => frame.message.includes('[forgeline@32473 idx="0" outcome="ok" actor="eve \\"the \\]admin\\\\\\""'))).toBe(true);
      expect(stored[0]?.actor).toBe(AWKWARD_ACTOR);
      expect(await savedState()).toEqual({ origin: ORIGIN, nextIndex: 6 });
    });

    it('resumes after the connection is killed mid-stream: every index at least once, in order, none skipped', async () => {
      const { ca, server } = await localhostPki();
      receiver = await startSyslogReceiver(server, { killAt: [8, 19] });
      await appendEntries(store(), 25);
      const events: ForwardEvent[] = [];
      const controller = new AbortController();
      const forwarder = await syslogForwarder(receiver.port, ca.certificatePem, {
        batchSize: 5, intervalMs: 20, retry: { initialMs: 10, maxMs: 40 }, onEvent: (event) => events.push(event),
      });
      const running = forwarder.run(controller.signal);
      const seen = () => new Set(receiver?.frames.map((frame) => parseSyslog(frame.message).params.idx));
      await eventually(() => seen().size === 25);
      controller.abort();
      expect(await running).toEqual({ forwarded: 25, nextIndex: 25 });

      const received = receiver.frames.map((frame) => ({ connection: frame.connection, idx: Number(parseSyslog(frame.message).params.idx) }));
      const firstSeen = received.map((frame) => frame.idx).filter((idx, i, all) => all.indexOf(idx) === i);
      expect(firstSeen).toEqual(range(25));
      // Within a connection indices follow each other; a new connection starts no later than where the last one stopped.
      let previous = -1;
      for (const [i, frame] of received.entries()) {
        const sameConnection = received[i - 1]?.connection === frame.connection;
        if (sameConnection) expect(frame.idx).toBe(previous + 1);
        else expect(frame.idx).toBeLessThanOrEqual(previous + 1);
        previous = frame.idx;
      }
      expect(received.length).toBeGreaterThan(25);
      expect(events.filter((event) => event.type === 'retrying').map((event) => event.type === 'retrying' && event.error.code)).toEqual(['target-failed', 'target-failed']);
      expect(await savedState()).toEqual({ origin: ORIGIN, nextIndex: 25 });
    });

    it('reports an unreachable syslog server, moving nothing', async () => {
      const { ca } = await localhostPki();
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      await appendEntries(store(), 2);
      const error = await rejection((await syslogForwarder(port, ca.certificatePem)).forwardOnce());
      expect(error).toMatchObject({ code: 'target-unreachable', retryable: true });
      expect(error.message).toContain(`cannot reach syslog+tls://127.0.0.1:${port}`);
      expect(await savedState()).toEqual({ origin: ORIGIN, nextIndex: 0 });
    });

    it('refuses a syslog server whose certificate the given CA did not issue', async () => {
      const { server } = await localhostPki();
      const other = await localhostPki();
      receiver = await startSyslogReceiver(server);
      await appendEntries(store(), 2);
      const error = await rejection((await syslogForwarder(receiver.port, other.ca.certificatePem)).forwardOnce());
      expect(error).toMatchObject({ code: 'target-untrusted', retryable: false });
      expect(receiver.frames).toHaveLength(0);
    });
  }
});
