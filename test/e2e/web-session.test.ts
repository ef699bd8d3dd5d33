/**
 * The web UI's sign-in, second factor (enrolment, new recovery codes, turning it off) and sessions
 * in a real browser (Debian's chromium) against the real server started with `forgeline serve`,
 * as a person would use them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../../src/access/index.js';
import { describeWithBrowser, launchBrowser } from '../support/browser.js';
import { expectOk, fileIn, runCli, startServer, TestAuthenticator, type ServerProcess } from './cli-harness.js';

const SESSION_COOKIE = '__Host-forgeline-session';
const ADMIN_PASSWORD = 'quartz lantern orbit seven meadow';

describeWithBrowser('the web UI: sign-in, second factor and sessions in a real browser', () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  let first: BrowserContext;
  let page: Page;
  let authenticator: TestAuthenticator;
  // The server's certificate is its own (self-signed): the test trusts it as the browser is told to.
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });

  /** A new browser profile: its own cookies, as a second device would have. */
  const newContext = (): Promise<BrowserContext> => browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 } });

  /** Fills the sign-in form; answers once the form was sent. */
  const signIn = async (on: Page, code?: string): Promise<void> => {
    await on.getByLabel('Username').fill('admin');
    await on.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await on.getByRole('button', { name: 'Sign in' }).click();
    if (code !== undefined) {
      await on.getByLabel('One-time code').fill(code);
      await on.getByRole('button', { name: 'Sign in' }).click();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-web-e2e-'));
    const data = join(dir, 'data');
    await writeFile(fileIn(dir, 'admin-password'), ADMIN_PASSWORD);
    expectOk(await runCli(['init', '--data', data, '--admin-password-file', fileIn(dir, 'admin-password')], { HOME: dir }));
    server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], { FORGELINE_DATA: data, HOME: dir });
    browser = await launchBrowser();
    first = await newContext();
    page = await first.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await insecure.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('serves the app at / with a strict content security policy, and asks to sign in', async () => {
    const answer = await page.goto(server.url);
    expect(answer?.status()).toBe(200);
    const headers = answer?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['cache-control']).toBe('no-store');
    await page.getByRole('heading', { name: 'Sign in to Forgeline' }).waitFor();
    expect(await page.title()).toBe('Sign in · Forgeline');
  });

  it('refuses a wrong password with a clear message and no cookie', async () => {
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('not the passphrase at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password/i);
    expect((await first.cookies()).map((cookie) => cookie.name)).not.toContain(SESSION_COOKIE);
  });

  it('makes the admin enrol a second factor with the QR code, shows the recovery codes once, then opens the app', async () => {
    await page.reload();
    await signIn(page);
    await page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    // The QR code is an image the browser drew under the CSP (img-src data:), not markup injected into the page.
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    // Loaded and drawn (the test's own TypeScript has no DOM types: the shape it reads is named here).
    expect(await qr.evaluate((image) => (image as unknown as { complete: boolean; naturalWidth: number }).complete && (image as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    const secret = base32Decode(await page.getByLabel('Setup key').inputValue());
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/code/i);
    const confirmedStep = totpStep(Date.now());
    await page.getByLabel('Code from your authenticator app').fill(hotp(secret, confirmedStep));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect.poll(() => codes.count()).toBe(10);
    const recoveryCodes = await codes.allTextContents();
    // The server takes each step's code once: the next sign-in needs a later step's.
    authenticator = new TestAuthenticator(secret, confirmedStep, recoveryCodes.map((code) => code.trim()));
    await page.getByRole('button', { name: 'I have saved these' }).click();
    await page.getByRole('heading', { name: /^Welcome, / }).waitFor();
    expect(await page.getByRole('list', { name: 'Your roles' }).textContent()).toContain('Administrator');
  });

  it('keeps the session in an HttpOnly, Secure, SameSite=Strict cookie and nothing in the page\'s storage', async () => {
    const cookie = (await first.cookies()).find((candidate) => candidate.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    const stored = await page.evaluate(() => {
      const window = globalThis as unknown as { document: { cookie: string }; localStorage: { length: number }; sessionStorage: { length: number } };
      return { cookie: window.document.cookie, local: window.localStorage.length, session: window.sessionStorage.length };
    });
    expect(stored).toEqual({ cookie: '', local: 0, session: 0 });
    // A reload signs nobody out: the app asks the server who is signed in.
    await page.reload();
    await page.getByRole('heading', { name: /^Welcome, / }).waitFor();
  });

  it('refuses a changing request from the page without the CSRF token, changing nothing', async () => {
    const forged = await page.evaluate(async () => {
      const answer = await fetch('/api/v1/sessions', { method: 'DELETE' });
      return { status: answer.status, body: (await answer.json()) as { code?: string } };
    });
    expect(forged).toMatchObject({ status: 403, body: { code: 'csrf-failed' } });
    expect(await page.evaluate(async () => (await fetch('/api/v1/sessions')).status)).toBe(200);
  });

  it('signs in on a second device with a recovery code, and signs it out from the first with "sign out everywhere else"', async () => {
    const second = await newContext();
    try {
      const tablet = await second.newPage();
      await tablet.goto(server.url);
      await signIn(tablet, authenticator.recoveryCodes[0]);
      await tablet.getByRole('heading', { name: /^Welcome, / }).waitFor();

      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      const sessions = page.getByRole('list', { name: 'Your sessions' }).getByRole('listitem');
      await expect.poll(() => sessions.count()).toBe(2);
      await sessions.first().getByRole('heading', { name: 'This session' }).waitFor();
      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await page.getByRole('button', { name: 'Yes, sign out other sessions' }).click();
      await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(expect.stringContaining('Signed out 1 other session'));
      await expect.poll(() => sessions.count()).toBe(1);

      await tablet.reload();
      await tablet.getByRole('heading', { name: 'Sign in to Forgeline' }).waitFor();
    } finally {
      await second.close();
    }
  });

  it('replaces the recovery codes after the password and a code: an old one no longer signs in, a new one does; turning the factor off is refused for an admin', async () => {
    /** A sign-in over the API with a code, as another device would make it. */
    const signInWith = async (totp: string) => {
      const answer = await request(`${server.url}/api/v1/sessions`, {
        method: 'POST', dispatcher: insecure, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD, totp }),
      });
      return { status: answer.statusCode, code: ((await answer.body.json()) as { code?: string }).code };
    };
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await expect.poll(() => section.textContent()).toContain('Recovery codes left: 9.');
    await section.getByRole('button', { name: 'New recovery codes' }).click();
    const confirmation = section.getByRole('group', { name: /^Replace your recovery codes\?/ });
    expect(await confirmation.textContent()).toContain('Every code you have now stops working at once');
    // Nothing typed: refused in the page, before the server counts a failed attempt.
    await confirmation.getByRole('button', { name: 'Yes, replace my recovery codes' }).click();
    await expect.poll(() => confirmation.getByRole('alert').textContent()).toContain('Type your password and a code');
    await confirmation.getByLabel('Your password').fill(ADMIN_PASSWORD);
    await confirmation.getByLabel('Code from your authenticator app').fill(await authenticator.nextCode());
    await confirmation.getByRole('button', { name: 'Yes, replace my recovery codes' }).click();
    const codes = section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect.poll(() => codes.count()).toBe(10);
    const fresh = (await codes.allTextContents()).map((code) => code.trim());
    await section.getByRole('button', { name: 'I have saved these' }).click();
    await expect.poll(() => section.getByRole('status').textContent()).toContain('the old ones no longer work');
    expect(await section.textContent()).toContain('Recovery codes left: 10.');
    // Shown once: gone from the page once saved.
    expect(await page.content()).not.toContain(fresh[0]);
    expect(await signInWith(authenticator.recoveryCodes[1] ?? '')).toEqual({ status: 401, code: 'mfa-invalid' });
    expect((await signInWith(fresh[0] ?? '')).status).toBe(201);

    await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    const off = section.getByRole('group', { name: /^Turn off two-factor authentication\?/ });
    expect(await off.textContent()).toContain('A role of yours requires it');
    await off.getByLabel('Your password').fill(ADMIN_PASSWORD);
    await off.getByLabel('Code from your authenticator app').fill(fresh[1] ?? '');
    await off.getByRole('button', { name: 'Yes, turn it off' }).click();
    // The server's own reason, and the factor stays.
    await expect.poll(() => off.getByRole('alert').textContent()).toContain('role of yours requires a second factor, so it stays');
    await off.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.evaluate(async () => (await fetch('/api/v1/users/me/mfa')).json())).toMatchObject({ enrolled: true, recoveryCodesLeft: 9 });
  }, 90_000);

  it('signs out: the cookie is cleared and its value no longer opens a session; signing in again takes a fresh code', async () => {
    const before = (await first.cookies()).find((candidate) => candidate.name === SESSION_COOKIE)?.value ?? '';
    expect(before).not.toBe('');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to Forgeline' }).waitFor();
    expect((await first.cookies()).map((cookie) => cookie.name)).not.toContain(SESSION_COOKIE);
    const replayed = await request(`${server.url}/api/v1/browser/session`, { headers: { cookie: `${SESSION_COOKIE}=${before}` }, dispatcher: insecure });
    expect(replayed.statusCode).toBe(401);
    expect(await replayed.body.json()).toMatchObject({ code: 'unauthenticated' });

    await signIn(page, await authenticator.nextCode());
    // Back where the person was when they signed out.
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
  }, 90_000);
});
