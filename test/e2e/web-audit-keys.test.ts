/**
 * The log key pinned in the browser (Debian's chromium) against the real server: an auditor's first
 * verification pins the served key in localStorage; when the pin names another key, the next
 * verification is refused with the served key's fingerprint, and only a confirmed "pin the new
 * key" lets the check pass again.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifierKey } from '../../src/audit/index.js';
import { describeWithBrowser } from '../support/browser.js';
import { startWebPlant, type WebPlant, type WebSession } from './web-harness.js';

const SCREENSHOTS = 'test-results';
/** The checks fetch and verify in the browser: give them time on a loaded machine. */
const POLL = { timeout: 10_000 };
/** Where the page keeps what it trusts of the log (web/src/audit/checkpoint-memory.ts). */
const TRUST_STORAGE_KEY = 'forgeline.audit-trust/1';

/** The SHA-256 of the raw Ed25519 key in a C2SP verifier key line (`name+id+base64(0x01 || key)`), as the page shows it. */
function fingerprintOf(keyLine: string): string {
  // The base64 may itself hold '+': everything after the second one is the key.
  return createHash('sha256').update(Buffer.from(keyLine.split('+').slice(2).join('+'), 'base64').subarray(1)).digest('hex');
}

/** The page's localStorage, as seen from inside `page.evaluate` (the tests' types have no DOM). */
type PageGlobal = { readonly localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void } };

interface TrustRecord {
  pin?: { keyLine: string; fingerprint: string; pinnedAt: string };
  checkpoint?: { treeSize: number; rootHash: string };
}

describeWithBrowser('the web UI: a change of the log key in the auditor\'s browser', () => {
  let plant: WebPlant;
  let session: WebSession;
  let page: Page;

  beforeAll(async () => {
    plant = await startWebPlant();
    const auditor = await plant.person('ada.auditor', ['auditor']);
    session = await plant.signIn(auditor, '/audit');
    page = session.page;
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await session?.context.close();
    await plant?.close();
  }, 60_000);

  const check = () => page.getByRole('region', { name: 'Proof that the log holds this entry' });
  const trust = async (): Promise<TrustRecord> => JSON.parse((await page.evaluate((key) => (globalThis as unknown as PageGlobal).localStorage.getItem(key), TRUST_STORAGE_KEY)) ?? '{}') as TrustRecord;

  it('refuses an entry under a key other than the pinned one, shows its fingerprint, and verifies again once the new key is pinned after confirming', async () => {
    const served = (await page.evaluate(async () => (await fetch('/api/v1/audit/key')).text())).trim();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByLabel('Order', { exact: true }).selectOption('asc');
    await page.getByRole('button', { name: 'Open entry 0' }).click();
    await check().getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => check().getByRole('status').first().textContent(), POLL).toMatch(/^Verified/);
    expect(await check().getByRole('status').first().textContent()).toContain('Key pinnedNow, on first use');
    const pinned = await trust();
    expect(pinned.pin).toMatchObject({ keyLine: served, fingerprint: fingerprintOf(served) });
    expect(pinned.checkpoint?.treeSize).toBeGreaterThan(0);

    // The browser remembers another log's key, as if it had first met a log signed by someone else.
    const other = verifierKey('forgeline.audit/elsewhere', generateKeyPairSync('ed25519').publicKey);
    const otherPin = { ...pinned.pin, keyLine: other, fingerprint: fingerprintOf(other) };
    await page.evaluate(([key, record]) => (globalThis as unknown as PageGlobal).localStorage.setItem(key, record), [TRUST_STORAGE_KEY, JSON.stringify({ ...pinned, pin: otherPin })] as const);

    await check().getByRole('button', { name: 'Verify' }).click();
    const alert = check().getByRole('alert');
    await expect.poll(() => alert.textContent(), POLL).toBe(
      `Not verifiedThe log's verifier key failed: The server now publishes the log key ${served}, but this browser pinned ${other} on ${otherPin.pinnedAt}. Unless the operator told you the key was replaced, this is not the log you checked before.`,
    );
    const warning = check().getByRole('region', { name: 'The log key changed' });
    expect(await warning.getByLabel('New key fingerprint').textContent()).toBe(fingerprintOf(served));
    const pin = warning.getByRole('button', { name: 'Pin the new key and verify again' });
    // Nothing is pinned before the auditor says the fingerprint matched.
    expect(await pin.isDisabled()).toBe(true);
    expect((await trust()).pin?.keyLine).toBe(other);
    await page.screenshot({ path: `${SCREENSHOTS}/web-auditor-key-change.png`, fullPage: true });

    // By keyboard, as any control must allow: tick the confirmation, then pin.
    const confirm = warning.getByLabel('I compared this fingerprint with the one my operator gave me, and they are the same');
    await confirm.focus();
    await page.keyboard.press('Space');
    expect(await confirm.isChecked()).toBe(true);
    await pin.focus();
    await page.keyboard.press('Enter');
    const verified = check().getByRole('status').first();
    await expect.poll(() => verified.textContent(), POLL).toMatch(/^Verified/);
    expect(await verified.textContent()).toContain('The first checkpoint this browser remembers under this key.');
    expect(await verified.textContent()).toContain(`Key fingerprint (SHA-256)${fingerprintOf(served)}`);
    // The new pin replaced the other one, and the checkpoint remembered under it was forgotten and taken anew.
    const after = await trust();
    expect(after.pin?.keyLine).toBe(served);
    expect(after.checkpoint?.treeSize).toBeGreaterThan(0);
    expect(await check().getByRole('region', { name: 'The log key changed' }).count()).toBe(0);
  }, 90_000);
});
