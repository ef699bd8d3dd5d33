/**
 * The auditor's view in a real browser (Debian's chromium) against the real server: the audit log
 * newest first and in log order, filtered and searched, an entry opened and verified in the browser
 * (WebCrypto SHA-256 and Ed25519 against the signed checkpoint, the log key pinned), the grown log
 * proven consistent after a reload, a released order's signature verified the same way, the
 * selection and the whole log downloaded, and tampered proofs shown as the exact failure.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { ExportVerifier } from '../../src/audit/index.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser } from '../support/browser.js';
import { startWebPlant, type WebPerson, type WebPlant, type WebSession } from './web-harness.js';

const SCREENSHOTS = 'test-results';

describeWithBrowser('the web UI: the auditor verifies the log and a release in the browser', () => {
  let plant: WebPlant;
  let auditor: WebPerson;
  let session: WebSession;
  let page: Page;
  let order: { id: string; number: string; contentHash: string };
  let releaseIndex: number;
  let createIndex: number;
  /** A checkpoint signed before the order existed: a genuine, smaller tree to roll the page back to. */
  let older: string;

  beforeAll(async () => {
    plant = await startWebPlant();
    const planner = await plant.person('pia.planner', ['planner']);
    const approver = await plant.person('alan.approver', ['approver']);
    // A quality auditor: the auditor role reads the log; quality may read a release's recipe and customer, which its JWS carries.
    auditor = await plant.person('ada.auditor', ['auditor', 'quality']);
    // A checkpoint signed before the order exists (the answer is a note, not JSON: the harness's parse of it fails, the signing does not).
    await auditor.api('POST', '/api/v1/audit/checkpoint').catch(() => undefined);
    const created = await planner.api('POST', '/api/v1/orders', {
      number: 'PO-AUDIT-1',
      item: { code: 'GEAR-12', revision: 'A' },
      quantity: { value: '40', unit: 'pcs' },
      dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' },
      workCenterId: plant.nodes['wc-mill']?.id,
      operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }],
      materials: [],
      parameters: { recipe: 'GEAR-12-MILL-v3', setpoints: [{ name: 'spindle-rpm', value: '2400', unit: 'rpm' }] },
      customerReference: 'CUST-7781',
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const submitted = await planner.api('POST', `/api/v1/orders/${created.json.id}/submit`, { version: created.json.version });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(200);
    const released = await approver.api('POST', `/api/v1/orders/${created.json.id}/release`, {
      version: submitted.json.version, password: approver.password, totp: await approver.authenticator?.nextCode(), meaning: 'approved for production',
    });
    expect(released.status, JSON.stringify(released.json)).toBe(200);
    order = { id: created.json.id, number: 'PO-AUDIT-1', contentHash: released.json.contentHash };
    // A refusal for the log to hold: planners may not read it.
    expect((await planner.api('GET', '/api/v1/audit/entries')).status).toBe(403);
    const listed = await auditor.api('GET', `/api/v1/audit/entries?kind=order.release&orderId=${order.id}`);
    releaseIndex = listed.json.items[0].index as number;
    createIndex = (await auditor.api('GET', `/api/v1/audit/entries?kind=order.create&orderId=${order.id}`)).json.items[0].index as number;
    session = await plant.signIn(auditor, '/');
    page = session.page;
    older = await page.evaluate(async () => (await fetch('/api/v1/audit/checkpoint')).text());
    expect(older).toMatch(/^[^\n]+\n\d+\n/);
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await session?.context.close();
    await plant?.close();
  }, 60_000);

  const entryCheck = () => page.getByRole('region', { name: 'Proof that the log holds this entry' });

  it('shows the log to the auditor, filters it by kind and outcome, and searches it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const rows = page.getByRole('list', { name: 'Audit entries' }).getByRole('listitem');
    const indexOf = async (row: ReturnType<typeof rows.first>) => Number((await row.textContent())?.match(/^#(\d+) /)?.[1]);
    // Newest first by default, pages of 25: the next page goes on below the last entry shown.
    await expect.poll(() => rows.count()).toBe(25);
    const newest = await indexOf(rows.first());
    expect(await indexOf(rows.nth(1))).toBe(newest - 1);
    const lastShown = await indexOf(rows.last());
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => indexOf(rows.first())).toBe(lastShown - 1);
    // Back again: each listing is itself logged, so the newest is now a later entry.
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => indexOf(rows.first())).toBeGreaterThan(newest);
    // Log order: the next page starts after the last entry shown, and comes back.
    await page.getByLabel('Order', { exact: true }).selectOption('asc');
    await expect.poll(() => rows.first().textContent()).toMatch(/^#0 /);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.first().textContent()).toMatch(/^#25 /);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.first().textContent()).toMatch(/^#0 /);
    await page.getByLabel('Order', { exact: true }).selectOption('desc');

    await page.getByLabel('Kind').selectOption('audit.read');
    await page.getByLabel('Outcome').selectOption('denied');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('audit.read by pia.planner')]);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search').fill(order.number);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The order's creation names its number; its release does not.
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('order.create by pia.planner')]);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Order ID').fill(order.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.allTextContents()).toContainEqual(expect.stringContaining('order.release by alan.approver'));
    await page.screenshot({ path: `${SCREENSHOTS}/web-auditor.png`, fullPage: true });

    // A time range after everything: nothing matches, and the page says so.
    await page.getByLabel('From').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: 'No entries match these filters.' }).waitFor();
    await page.getByLabel('From').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.allTextContents()).toContainEqual(expect.stringContaining('order.release by alan.approver'));
  });

  it('downloads every matching entry, then the whole log, which verifies offline with the log key', async () => {
    const [selection] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download all matching entries (JSON Lines)' }).click()]);
    const lines = (await readFile((await selection.path()) ?? '', 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'header', format: 'forgeline-audit-selection/1', filter: { orderId: order.id } });
    expect(lines.slice(1, -1).map((line) => (line.fields as { kind: string }).kind)).toEqual(expect.arrayContaining(['order.create', 'order.submit', 'order.release']));
    expect(lines.at(-1)).toMatchObject({ type: 'checkpoint' });

    await page.getByRole('button', { name: 'Clear filters' }).click();
    const [whole] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the whole log (JSON Lines)' }).click()]);
    expect(whole.suggestedFilename()).toMatch(/^forgeline-audit-export-\d{8}T\d{6}Z\.jsonl$/);
    const keyLine = await page.evaluate(async () => (await fetch('/api/v1/audit/key')).text());
    const verifier = new ExportVerifier({ logKey: keyLine.trim(), witnessKeys: [] });
    (await readFile((await whole.path()) ?? '', 'utf8')).split('\n').slice(0, -1).forEach((line, i) => verifier.push(line, i + 1));
    expect(verifier.finish()).toMatchObject({ ok: true, uncoveredEntries: 0 });
    await page.getByLabel('Order ID').fill(order.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
  });

  it('opens the release entry and verifies it in the browser against the signed checkpoint', async () => {
    await page.getByRole('button', { name: `Open entry ${releaseIndex}` }).click();
    await page.getByRole('heading', { name: `Entry ${releaseIndex}` }).waitFor();
    expect(await page.getByLabel('Entry detail as JSON').textContent()).toContain('"jws"');
    await entryCheck().getByRole('button', { name: 'Verify' }).click();
    const verified = entryCheck().getByRole('status');
    await expect.poll(() => verified.textContent()).toMatch(/^Verified/);
    const size = Number((await verified.textContent())?.match(/Tree size(\d+) entries/)?.[1]);
    expect(size).toBeGreaterThan(releaseIndex);
    // What was checked, said as it is: consistent with the key this server publishes, shown whole for comparing out of band.
    const keyLine = await page.evaluate(async () => (await fetch('/api/v1/audit/key')).text());
    expect(await verified.textContent()).toContain('Consistent with the log key pinned in this browser; no witness cosigned this checkpoint.');
    expect(await verified.textContent()).toContain('Key pinnedNow, on first use');
    expect(await entryCheck().getByLabel('Log key line').textContent()).toBe(keyLine.trim());
    expect(await verified.textContent()).toMatch(/Key fingerprint \(SHA-256\)[0-9a-f]{64}/);
    await entryCheck().getByRole('button', { name: 'Copy key line' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/web-auditor-verified.png`, fullPage: true });
  });

  it('verifies the released order\'s signature in the browser: the attestation and, for a reader of recipes, the JWS bound to it', async () => {
    const region = page.getByRole('region', { name: 'The order\'s release signature' });
    await region.getByRole('button', { name: 'Check the release signature' }).click();
    const keys = await auditor.api('GET', '/api/v1/keys');
    for (const name of ['The release attestation', 'The signed order (JWS)']) {
      const result = region.getByRole('region', { name }).getByRole('status');
      await expect.poll(() => result.textContent()).toMatch(/^Verified/);
      const text = (await result.textContent()) ?? '';
      expect(text).toContain(`Key ID (kid)${keys.json.keys[0].kid as string}`);
      expect(text).toContain(`Content hash${order.contentHash}`);
      expect(text).toContain('alan.approver (release): “approved for production”');
    }
    expect(await region.getByRole('region', { name: 'The signed order (JWS)' }).textContent()).toMatch(/The signed order's SHA-256 is [0-9a-f]{64}, the one the release attestation names\./);
  });

  it('checks the release this entry records, not whatever the order holds now, and offers it only on release entries', async () => {
    const otherHash = 'f'.repeat(64);
    // The entry as listed names another content hash (the entry's own proof then fails too): the release check must say the JWS is not that one.
    await page.route('**/api/v1/audit/entries**', async (route) => {
      const response = await route.fetch();
      const listed = (await response.json()) as { items: { kind: string; hashAfter: string | null }[] };
      await route.fulfill({ response, json: { ...listed, items: listed.items.map((item) => (item.kind === 'order.release' ? { ...item, hashAfter: otherHash } : item)) } });
    });
    try {
      await page.getByRole('button', { name: 'Close entry' }).click();
      await page.getByLabel('Kind').selectOption('order.release');
      await Promise.all([page.waitForResponse('**/api/v1/audit/entries**'), page.getByRole('button', { name: 'Apply filters' }).click()]);
      await page.getByRole('button', { name: `Open entry ${releaseIndex}` }).click();
      const region = page.getByRole('region', { name: 'The order\'s release signature' });
      await region.getByRole('button', { name: 'Check the release signature' }).click();
      await expect.poll(() => region.getByRole('region', { name: 'The signed order (JWS)' }).getByRole('alert').textContent()).toContain(
        `The release this entry records failed: The order's signed release covers the content hash ${order.contentHash}, not ${otherHash} that this audit entry records.`,
      );
      expect(await region.getByRole('region', { name: 'The release attestation' }).getByRole('alert').textContent()).toContain(
        `The release this entry records failed: The attestation covers the content hash ${order.contentHash}, not ${otherHash} that this audit entry records.`,
      );
    } finally {
      await page.unroute('**/api/v1/audit/entries**');
    }
    // The order's creation is no release: no release check to run on it.
    await page.getByRole('button', { name: 'Close entry' }).click();
    await page.getByLabel('Kind').selectOption('order.create');
    await Promise.all([page.waitForResponse('**/api/v1/audit/entries**'), page.getByRole('button', { name: 'Apply filters' }).click()]);
    await page.getByRole('button', { name: `Open entry ${createIndex}` }).click();
    await page.getByRole('heading', { name: `Entry ${createIndex}` }).waitFor();
    expect(await page.getByRole('region', { name: 'The order\'s release signature' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Close entry' }).click();
    await page.getByLabel('Kind').selectOption('order.release');
    await Promise.all([page.waitForResponse('**/api/v1/audit/entries**'), page.getByRole('button', { name: 'Apply filters' }).click()]);
    await page.getByRole('button', { name: `Open entry ${releaseIndex}` }).click();
    await page.getByRole('heading', { name: `Entry ${releaseIndex}` }).waitFor();
  });

  it('shows the exact failure when the inclusion proof was tampered with on its way', async () => {
    await page.route('**/api/v1/audit/proof/inclusion**', async (route) => {
      const response = await route.fetch();
      const proof = (await response.json()) as { hashes: string[] };
      const first = Buffer.from(proof.hashes[0] ?? '', 'base64');
      first[0] = (first[0] ?? 0) ^ 0x01;
      await route.fulfill({ response, json: { ...proof, hashes: [first.toString('base64'), ...proof.hashes.slice(1)] } });
    });
    try {
      await entryCheck().getByRole('button', { name: 'Verify' }).click();
      const alert = entryCheck().getByRole('alert');
      await expect.poll(() => alert.textContent()).toMatch(
        /^Not verifiedThe inclusion proof failed: The proof leads to the root [0-9a-f]{64}, not to the signed root [0-9a-f]{64}\.$/,
      );
    } finally {
      await page.unroute('**/api/v1/audit/proof/inclusion**');
    }
    // Untouched, the same entry verifies again.
    await entryCheck().getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => entryCheck().getByRole('status').textContent()).toMatch(/^Verified/);
  });

  it('after a reload, proves the grown log consistent with the checkpoint it verified before, and refuses a tampered consistency proof', async () => {
    const before = Number((await entryCheck().getByRole('status').textContent())?.match(/Tree size(\d+) entries/)?.[1]);
    // The log grows and a larger checkpoint is signed; the page is reloaded, so only what the browser stored remains.
    await auditor.api('GET', '/api/v1/audit/entries?limit=1');
    await auditor.api('POST', '/api/v1/audit/checkpoint').catch(() => undefined);
    await page.reload();
    await page.getByLabel('Order ID').fill(order.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('button', { name: `Open entry ${releaseIndex}` }).click();
    await page.route('**/api/v1/audit/proof/consistency**', async (route) => {
      const response = await route.fetch();
      const proof = (await response.json()) as { hashes: string[] };
      const last = Buffer.from(proof.hashes.at(-1) ?? '', 'base64');
      last[0] = (last[0] ?? 0) ^ 0x01;
      await route.fulfill({ response, json: { ...proof, hashes: [...proof.hashes.slice(0, -1), last.toString('base64')] } });
    });
    try {
      await entryCheck().getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => entryCheck().getByRole('alert').textContent()).toMatch(
        /^Not verifiedThe consistency proof failed: The consistency proof leads to the root [0-9a-f]{64} for the tree of \d+ entries, not to the (signed root [0-9a-f]{64}|root [0-9a-f]{64} verified before: the log was rewritten)\.$/,
      );
    } finally {
      await page.unroute('**/api/v1/audit/proof/consistency**');
    }
    await entryCheck().getByRole('button', { name: 'Verify' }).click();
    const verified = entryCheck().getByRole('status');
    await expect.poll(() => verified.textContent()).toMatch(/^Verified/);
    const text = (await verified.textContent()) ?? '';
    expect(Number(text.match(/Tree size(\d+) entries/)?.[1])).toBeGreaterThan(before);
    expect(text).toContain(`Extends the tree of ${before} entries this browser verified before (consistency proof checked).`);
    expect(text).toMatch(/Key pinnedIn this browser since /);
  });

  it('refuses a checkpoint smaller than the one this browser verified before, though genuinely signed', async () => {
    await page.route('**/api/v1/audit/checkpoint', (route) => route.fulfill({ status: 200, contentType: 'text/plain; charset=utf-8', body: older }));
    try {
      await page.getByRole('button', { name: 'Close entry' }).click();
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.getByLabel('Order', { exact: true }).selectOption('asc');
      await page.getByRole('button', { name: 'Open entry 0' }).click();
      await entryCheck().getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => entryCheck().getByRole('alert').textContent()).toMatch(
        /^Not verifiedThe checkpoint failed: The checkpoint signs a tree of \d+ entries, smaller than the \d+ this browser verified before: the log was rolled back\.$/,
      );
    } finally {
      await page.unroute('**/api/v1/audit/checkpoint');
    }
  });

  it('lets an auditor who may not read recipes verify the release attestation, and the entry', async () => {
    const plain = await plant.person('aldo.auditor', ['auditor']);
    const other = await plant.signIn(plain, '/audit');
    try {
      const on = other.page;
      await on.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
      await on.getByLabel('Kind').selectOption('order.release');
      await on.getByRole('button', { name: 'Apply filters' }).click();
      await on.getByRole('button', { name: `Open entry ${releaseIndex}` }).click();
      const region = on.getByRole('region', { name: 'The order\'s release signature' });
      await region.getByRole('button', { name: 'Check the release signature' }).click();
      const attested = region.getByRole('region', { name: 'The release attestation' }).getByRole('status');
      await expect.poll(() => attested.textContent()).toMatch(/^Verified/);
      expect(await attested.textContent()).toContain(`Content hash${order.contentHash}`);
      // The JWS, which carries the recipe, is not even asked for: no refused read, no JWS check.
      expect(await region.getByRole('region', { name: 'The signed order (JWS)' }).count()).toBe(0);
      await on.getByRole('region', { name: 'Proof that the log holds this entry' }).getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => on.getByRole('region', { name: 'Proof that the log holds this entry' }).getByRole('status').textContent()).toMatch(/^Verified/);
      // On a 360 px phone the page, hashes included, fits without sideways scrolling.
      await on.setViewportSize({ width: 360, height: 800 });
      expect(await on.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await on.screenshot({ path: `${SCREENSHOTS}/web-auditor-phone.png`, fullPage: true });
    } finally {
      await other.context.close();
    }
  }, 60_000);
});
