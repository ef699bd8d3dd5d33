/**
 * The auditor's view in a real browser (Debian's chromium) against the real server: the audit log
 * filtered and searched, an entry opened and verified in the browser (WebCrypto SHA-256 and
 * Ed25519 against the signed checkpoint), a released order's signature verified the same way,
 * the listed entries downloaded, and a tampered inclusion proof shown as the exact failure.
 */
import { mkdir, readFile } from 'node:fs/promises';
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
    // Pages of 25 in log order: the next page starts after the last entry shown, and comes back.
    await expect.poll(() => rows.count()).toBe(25);
    expect(await rows.first().textContent()).toMatch(/^#0 /);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.first().textContent()).toMatch(/^#25 /);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.first().textContent()).toMatch(/^#0 /);

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

  it('downloads the listed entries as JSON', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download these entries (JSON)' }).click()]);
    const saved = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as { filter: Record<string, string>; entries: { kind: string }[] };
    expect(saved.filter).toEqual({ orderId: order.id });
    expect(saved.entries.map((entry) => entry.kind)).toContain('order.release');
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
    expect(await verified.textContent()).toContain('Consistent with the log key this server publishes; witness cosignatures not checked.');
    expect(await entryCheck().getByLabel('Log key line').textContent()).toBe(keyLine.trim());
    expect(await verified.textContent()).toMatch(/Key fingerprint \(SHA-256\)[0-9a-f]{64}/);
    await entryCheck().getByRole('button', { name: 'Copy key line' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/web-auditor-verified.png`, fullPage: true });
  });

  it('verifies the released order\'s signature in the browser: kid, content hash, verified', async () => {
    const region = page.getByRole('region', { name: 'The order\'s release signature' });
    await region.getByRole('button', { name: 'Check release signature' }).click();
    const result = region.getByRole('status');
    await expect.poll(() => result.textContent()).toMatch(/^Verified/);
    const keys = await auditor.api('GET', '/api/v1/keys');
    const text = (await result.textContent()) ?? '';
    expect(text).toContain(`Key ID (kid)${keys.json.keys[0].kid as string}`);
    expect(text).toContain(`Content hash${order.contentHash}`);
    expect(text).toContain('alan.approver (release): “approved for production”');
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
      await region.getByRole('button', { name: 'Check release signature' }).click();
      await expect.poll(() => region.getByRole('alert').textContent()).toContain(
        `The release this entry records failed: The order's signed release covers the content hash ${order.contentHash}, not ${otherHash} that this audit entry records.`,
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

  it('refuses a checkpoint smaller than the first this page saw, though genuinely signed', async () => {
    await page.route('**/api/v1/audit/checkpoint', (route) => route.fulfill({ status: 200, contentType: 'text/plain; charset=utf-8', body: older }));
    try {
      await page.getByRole('button', { name: 'Close entry' }).click();
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.getByRole('button', { name: 'Open entry 0' }).click();
      await entryCheck().getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => entryCheck().getByRole('alert').textContent()).toMatch(
        /^Not verifiedThe checkpoint failed: The checkpoint signs a tree of \d+ entries, smaller than the \d+ this page saw first: the log was rolled back\.$/,
      );
    } finally {
      await page.unroute('**/api/v1/audit/checkpoint');
    }
  });

  it('tells an auditor who may not read recipes why the release signature cannot be fetched, and still verifies the entry', async () => {
    const plain = await plant.person('aldo.auditor', ['auditor']);
    const other = await plant.signIn(plain, '/audit');
    try {
      const on = other.page;
      await on.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
      await on.getByLabel('Kind').selectOption('order.release');
      await on.getByRole('button', { name: 'Apply filters' }).click();
      await on.getByRole('button', { name: `Open entry ${releaseIndex}` }).click();
      const region = on.getByRole('region', { name: 'The order\'s release signature' });
      await region.getByRole('button', { name: 'Check release signature' }).click();
      await expect.poll(() => region.getByRole('alert').textContent()).toBe('The signed order carries its recipe and customer, and your roles may not see all of them');
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
