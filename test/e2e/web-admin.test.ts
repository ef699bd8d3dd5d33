/**
 * The web UI's administration in a real browser (Debian's chromium) against the real server: an
 * admin creates a user with a scoped role, changes it after a confirmation listing the roles
 * added and removed, disables the user after a confirmation (each cancelled once first) and enables
 * them again, ends another user's sessions one and then all, resets their second factor (a person
 * whose roles allow it turns their own off on the account page),
 * registers a device and mints its enrolment token, applies zones (a refused description first),
 * rotates the signing key and the key-encryption key (its new passphrase typed twice). What the server then holds is read
 * through the admin's own API session.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { base32Decode, totpStep } from '../../src/access/index.js';
import { createDeviceCsr } from '../../src/crypto/index.js';
import { describeWithBrowser } from '../support/browser.js';
import { TestAuthenticator } from './cli-harness.js';
import { startWebPlant, type WebPlant } from './web-harness.js';

const USER = { username: 'olga.turner', displayName: 'Olga Turner', password: 'copper kettles hum at dawn' };

describeWithBrowser('the web UI: the admin\'s users, devices, zones and keys in a real browser', () => {
  let plant: WebPlant;
  let page: Page;

  /** The list item whose heading is `heading`. */
  const item = (list: string, heading: string | RegExp): Locator =>
    page.getByRole('list', { name: list, exact: true }).getByRole('listitem').filter({ has: page.getByRole('heading', { name: heading }) });

  /** The user as the server holds them. */
  const serverUser = async (username: string) => {
    const answer = await plant.admin.api('GET', '/api/v1/users');
    expect(answer.status).toBe(200);
    return (answer.json.items as { username: string; disabled: boolean; passwordMustChange: boolean; mfaEnabled: boolean; roles: unknown[] }[]).find((user) => user.username === username);
  };

  /** Opens one of the administration's pages from its sub-navigation. */
  const openAdmin = async (label: string, heading: string): Promise<void> => {
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  beforeAll(async () => {
    plant = await startWebPlant();
    ({ page } = await plant.signIn(plant.admin));
  }, 120_000);

  afterAll(async () => {
    await plant?.close();
  }, 60_000);

  it('creates a user with a one-time password and a role scoped to a work center, listed by the node\'s name', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const form = page.getByRole('region', { name: 'Create a user' });
    await form.getByLabel('Username').fill(USER.username);
    await form.getByLabel('Display name').fill(USER.displayName);
    await form.getByLabel('One-time password').fill(USER.password);
    await form.getByLabel('Role', { exact: true }).selectOption({ label: 'Operator' });
    await form.getByLabel('Scope', { exact: true }).selectOption({ label: 'Milling (work-center)' });
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain(`Created ${USER.username}`);

    const listed = item('Users', `${USER.displayName} (${USER.username})`);
    await expect.poll(() => listed.getByRole('list', { name: `Roles of ${USER.username}` }).textContent()).toBe('Operator in Milling');
    expect(await serverUser(USER.username)).toMatchObject({
      disabled: false,
      passwordMustChange: true,
      roles: [{ role: 'operator', scopeNodeId: plant.nodes['wc-mill']?.id }],
    });
  });

  it('changes the user\'s role and scope after a confirmation listing what is added and removed; cancelling changes nothing', async () => {
    const listed = item('Users', `${USER.displayName} (${USER.username})`);
    await listed.getByRole('button', { name: 'Change roles' }).click();
    const form = listed.getByRole('form', { name: `Change the roles of ${USER.username}` });
    // A role added starts with neither role nor scope chosen, and the form is not sent until both are.
    await form.getByRole('button', { name: 'Add a role' }).click();
    expect(await form.getByLabel('Role', { exact: true }).nth(1).inputValue()).toBe('');
    expect(await form.getByLabel('Scope', { exact: true }).nth(1).inputValue()).toBe('');
    await form.getByRole('button', { name: 'Save roles' }).click();
    expect(await form.getByLabel('Role', { exact: true }).nth(1).evaluate((select) => (select as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
    expect(await listed.getByRole('group', { name: /^Change the roles of/ }).count()).toBe(0);
    await form.getByRole('button', { name: 'Remove role 2' }).click();

    await form.getByLabel('Role', { exact: true }).selectOption({ label: 'Planner' });
    await form.getByLabel('Scope', { exact: true }).selectOption({ label: 'Machining (area)' });
    await form.getByRole('button', { name: 'Save roles' }).click();
    const confirmation = listed.getByRole('group', { name: new RegExp(`^Change the roles of ${USER.username.replace('.', '\\.')}\\?`) });
    expect(await confirmation.textContent()).toContain('Every session of theirs ends now');
    expect(await confirmation.getByRole('list', { name: `Roles added to ${USER.username}` }).textContent()).toBe('Planner in Machining');
    expect(await confirmation.getByRole('list', { name: `Roles removed from ${USER.username}` }).textContent()).toBe('Operator in Milling');
    // Focus is on the question: an Enter pressed once more does not save.
    await page.keyboard.press('Enter');
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor();
    expect((await serverUser(USER.username))?.roles).toEqual([{ role: 'operator', scopeNodeId: plant.nodes['wc-mill']?.id }]);
    expect(await listed.getByRole('list', { name: `Roles of ${USER.username}` }).textContent()).toBe('Operator in Milling');

    await form.getByRole('button', { name: 'Save roles' }).click();
    await confirmation.getByRole('button', { name: `Yes, change ${USER.username}'s roles` }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(expect.stringContaining(`Saved the roles of ${USER.username}`));
    await expect.poll(() => listed.getByRole('list', { name: `Roles of ${USER.username}` }).textContent()).toBe('Planner in Machining');
    expect((await serverUser(USER.username))?.roles).toEqual([{ role: 'planner', scopeNodeId: plant.nodes.machining?.id }]);
    await page.screenshot({ path: 'test-results/web-admin-users.png', fullPage: true });
  });

  it('disables the user only after the confirmation that says what happens; cancelling changes nothing', async () => {
    const listed = item('Users', `${USER.displayName} (${USER.username})`);
    await listed.getByRole('button', { name: 'Disable' }).click();
    const confirmation = listed.getByRole('group', { name: new RegExp(`^Disable ${USER.username.replace('.', '\\.')}\\?`) });
    expect(await confirmation.textContent()).toContain('every session of theirs ends now');
    // Focus lands on the question, not on the button: a repeated Enter does not disable anyone.
    await page.keyboard.press('Enter');
    expect(await confirmation.count()).toBe(1);
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirmation.count()).toBe(0);
    expect((await serverUser(USER.username))?.disabled).toBe(false);
    expect(await listed.getByRole('definition').first().textContent()).toBe('Active');

    await listed.getByRole('button', { name: 'Disable' }).click();
    await listed.getByRole('button', { name: `Yes, disable ${USER.username}` }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(`Disabled ${USER.username}.`);
    await expect.poll(() => listed.getByRole('definition').first().textContent()).toBe('Disabled');
    expect((await serverUser(USER.username))?.disabled).toBe(true);
  });

  it('enables the disabled user again only after the confirmation; they can then sign in', async () => {
    const signIn = async () => plant.admin.api('POST', '/api/v1/sessions', { username: USER.username, password: USER.password });
    expect((await signIn()).status).toBe(401);
    const listed = item('Users', `${USER.displayName} (${USER.username})`);
    expect(await listed.getByRole('button', { name: 'Disable', exact: true }).count()).toBe(0);
    await listed.getByRole('button', { name: 'Enable', exact: true }).click();
    const confirmation = listed.getByRole('group', { name: new RegExp(`^Enable ${USER.username.replace('.', '\\.')} again\\?`) });
    expect(await confirmation.textContent()).toContain('get back every role listed above');
    await confirmation.getByRole('button', { name: `Yes, enable ${USER.username}` }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(`Enabled ${USER.username}: they can sign in again.`);
    await expect.poll(() => listed.getByRole('definition').first().textContent()).toBe('Active');
    expect(await serverUser(USER.username)).toMatchObject({ disabled: false, roles: [{ role: 'planner', scopeNodeId: plant.nodes.machining?.id }] });
    // Still the one-time password: they sign in, then must choose their own.
    expect(await signIn()).toMatchObject({ status: 201, json: { passwordChangeRequired: true } });
  });

  it('registers a device in a work center and shows its enrolment token once, with the command that uses it', async () => {
    await openAdmin('Devices', 'Devices');
    const form = page.getByRole('region', { name: 'Register a device' });
    await form.getByLabel('Device name').fill('Mill 3 edge agent');
    await form.getByLabel('Kind').fill('edge-agent');
    await form.getByLabel('Work center').selectOption({ label: 'Milling (work-center)' });
    await form.getByRole('button', { name: 'Register device' }).click();

    const listed = item('Devices', 'Mill 3 edge agent');
    await listed.waitFor();
    const devices = await plant.admin.api('GET', '/api/v1/devices');
    const device = (devices.json.items as { id: string; name: string; workCenterId: string; status: string }[]).find((entry) => entry.name === 'Mill 3 edge agent');
    expect(device).toMatchObject({ workCenterId: plant.nodes['wc-mill']?.id, status: 'active' });
    expect(await listed.textContent()).toContain('Milling');

    await listed.getByRole('button', { name: 'Create enrolment token' }).click();
    await listed.getByRole('button', { name: 'Create token' }).click();
    const token = await listed.getByLabel('Enrolment token', { exact: true }).inputValue();
    expect(token).toMatch(new RegExp(`^fle_${device?.id ?? 'missing'}_[A-Za-z0-9_-]{43}$`));
    expect(await listed.textContent()).toContain('Shown only this once');
    expect(await listed.locator('pre').textContent()).toContain(`device enrol --token ${token} --out`);

    await listed.getByRole('button', { name: 'Done, hide the token' }).click();
    await expect.poll(() => listed.getByLabel('Enrolment token', { exact: true }).count()).toBe(0);
    expect(await page.content()).not.toContain(token);

    // The token shown is the one that works: the device enrols with it, once.
    const { csrPem } = await createDeviceCsr(device?.id ?? 'missing');
    expect((await plant.admin.api('POST', '/api/v1/pki/enrol', { token, csr: csrPem })).status).toBe(201);
    expect((await plant.admin.api('POST', '/api/v1/pki/enrol', { token, csr: csrPem })).status).not.toBe(201);
    await openAdmin('Users', 'Users');
    await openAdmin('Devices', 'Devices');
    await expect.poll(() => listed.textContent()).toMatch(/Certificate[0-9a-f]+, expires /);
  });

  it('revokes a device only after the confirmation, with the reason recorded', async () => {
    const listed = item('Devices', 'Mill 3 edge agent');
    await listed.getByRole('button', { name: 'Revoke' }).click();
    const confirmation = listed.getByRole('group', { name: /^Revoke device Mill 3 edge agent/ });
    expect(await confirmation.textContent()).toContain('listed in the certificate revocation list, and this cannot be undone');
    await confirmation.getByLabel('Reason (recorded in the audit log)').fill('Edge PC replaced');
    await confirmation.getByLabel('CRL reason code').selectOption('superseded');
    await confirmation.getByRole('button', { name: 'Yes, revoke Mill 3 edge agent' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual('Revoked Mill 3 edge agent and 1 certificate.');
    const devices = (await plant.admin.api('GET', '/api/v1/devices')).json.items as { name: string; status: string; revokedReason: string; certificate: { status: string } }[];
    expect(devices.find((entry) => entry.name === 'Mill 3 edge agent')).toMatchObject({ status: 'revoked', revokedReason: 'Edge PC replaced', certificate: { status: 'revoked' } });
    expect(await listed.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
  });

  it('shows another user\'s sessions and ends them, and resets their second factor, each after a confirmation', async () => {
    const quinn = await plant.person('quinn.quality', ['quality']);
    expect((await quinn.api('GET', '/api/v1/users/me')).status).toBe(200);
    await openAdmin('Users', 'Users');
    const listed = item('Users', 'Quinn Quality (quinn.quality)');
    await listed.getByRole('button', { name: 'Sessions' }).click();
    // The harness signed Quinn in twice over the API (before and after enrolling the second factor).
    const live = ((await plant.admin.api('GET', '/api/v1/users/quinn.quality/sessions')).json.items as unknown[]).length;
    expect(live).toBeGreaterThan(0);
    const sessions = listed.getByRole('list', { name: 'Sessions of quinn.quality' }).getByRole('listitem');
    await expect.poll(() => sessions.count()).toBe(live);
    // One session first: the oldest, from before the second factor (newest first); Quinn's API session goes on.
    await sessions.last().getByRole('button', { name: 'End session' }).click();
    const one = listed.getByRole('group', { name: /^End the session of quinn\.quality from / });
    expect(await one.textContent()).toContain('their other sessions go on');
    await one.getByRole('button', { name: 'Yes, end this session' }).click();
    await expect.poll(() => listed.getByRole('status').textContent()).toMatch(/^Ended the session of quinn\.quality from /);
    await expect.poll(() => sessions.count()).toBe(live - 1);
    expect((await plant.admin.api('GET', '/api/v1/users/quinn.quality/sessions')).json.items).toHaveLength(live - 1);
    expect((await quinn.api('GET', '/api/v1/users/me')).status).toBe(200);

    const left = live - 1;
    const noun = left === 1 ? 'session' : 'sessions';
    await listed.getByRole('button', { name: 'Revoke all sessions' }).click();
    expect(await listed.getByRole('group', { name: `End all ${left} ${noun} of quinn.quality?`, exact: false }).count()).toBe(1);
    await listed.getByRole('button', { name: 'Yes, end quinn.quality\'s sessions' }).click();
    await expect.poll(() => listed.getByRole('status').textContent()).toBe(`Ended ${left} ${noun} of quinn.quality.`);
    expect((await quinn.api('GET', '/api/v1/users/me')).status).toBe(401);
    await listed.getByRole('button', { name: 'Close sessions' }).click();

    await listed.getByRole('button', { name: 'Reset second factor' }).click();
    const confirmation = listed.getByRole('group', { name: /^Reset the second factor of quinn\.quality\?/ });
    expect(await confirmation.textContent()).toContain('must set up a new authenticator at their next sign-in');
    await confirmation.getByLabel('Reason (recorded in the audit log)').fill('Lost phone');
    await confirmation.getByRole('button', { name: 'Yes, reset quinn.quality\'s second factor' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(expect.stringContaining('Reset the second factor of quinn.quality'));
    expect(await serverUser('quinn.quality')).toMatchObject({ mfaEnabled: false });
  });

  it('lets a person whose roles do not require a second factor turn theirs off, with their password and a code', async () => {
    const pat = await plant.person('pat.planner', ['planner']);
    const enrolment = await pat.api('POST', '/api/v1/users/me/mfa/enrolment');
    const authenticator = new TestAuthenticator(base32Decode(enrolment.json.secret as string), totpStep(Date.now()) - 2, []);
    expect((await pat.api('POST', '/api/v1/users/me/mfa/confirm', { code: await authenticator.nextCode() })).status).toBe(200);
    const own = await plant.signIn({ ...pat, authenticator }, '/account');
    try {
      const section = own.page.getByRole('region', { name: 'Two-factor authentication' });
      await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
      const confirmation = section.getByRole('group', { name: /^Turn off two-factor authentication\?/ });
      expect(await confirmation.textContent()).toContain('Your password alone then signs you in');
      await confirmation.getByLabel('Your password').fill(pat.password);
      await confirmation.getByLabel('Code from your authenticator app').fill(await authenticator.nextCode());
      await confirmation.getByRole('button', { name: 'Yes, turn it off' }).click();
      await expect.poll(() => section.getByRole('status').textContent()).toBe('Two-factor authentication is off.');
      expect(await section.textContent()).toContain('Off. Turn it on so a stolen password alone cannot open your account.');
      expect(await pat.api('GET', '/api/v1/users/me')).toMatchObject({ status: 200, json: { mfaEnabled: false } });
    } finally {
      await own.context.close();
    }
  });

  it('applies a zone description from the editor: a refused one shows the server\'s reason and changes nothing, a valid one is in force', async () => {
    await openAdmin('Zones', 'Zones and conduits');
    const before = (await plant.admin.api('GET', '/api/v1/zones')).json as { version: number };
    const editor = page.getByLabel('Zone description (JSON)');
    await expect.poll(() => editor.inputValue()).toContain('"code": "berlin"');
    const current = JSON.parse(await editor.inputValue()) as { zones: { code: string; members: string[] }[]; conduits: unknown[] };
    expect(current.zones.map((zone) => zone.code)).toEqual(['berlin']);

    const milling = { code: 'milling', name: 'Milling cell', securityLevel: 3, members: ['acme/berlin/machining/wc-drill'] };
    await editor.fill(JSON.stringify({ zones: [...current.zones, milling], conduits: current.conduits }));
    await page.getByRole('button', { name: 'Apply description' }).click();
    const confirmation = page.getByRole('group', { name: /^Replace every zone and conduit/ });
    expect(await confirmation.textContent()).toContain('dispatch to work centers outside any zone will be refused');
    await confirmation.getByRole('button', { name: 'Yes, apply the description' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('no plant node acme/berlin/machining/wc-drill');
    expect(((await plant.admin.api('GET', '/api/v1/zones')).json as { version: number }).version).toBe(before.version);

    const fixed = { ...milling, members: ['acme/berlin/machining/wc-mill'] };
    const conduit = { code: 'milling-https', zone: 'milling', transport: 'https', flows: ['orders', 'reports'] };
    await editor.fill(JSON.stringify({ zones: [...current.zones, fixed], conduits: [...current.conduits, conduit] }));
    await page.getByRole('button', { name: 'Apply description' }).click();
    await page.getByRole('button', { name: 'Yes, apply the description' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(`Applied: zones version ${before.version + 1}, 2 zones and 3 conduits.`);
    expect(await page.getByRole('table', { name: 'Zones' }).textContent()).toContain('Milling cell');
    const after = (await plant.admin.api('GET', '/api/v1/zones')).json as { version: number; zones: { code: string; members: string[] }[] };
    expect(after.version).toBe(before.version + 1);
    expect(after.zones.find((zone) => zone.code === 'milling')?.members).toEqual(['acme/berlin/machining/wc-mill']);
  });

  it('rotates the signing key after a confirmation naming the key it retires; the new key is listed as current', async () => {
    await openAdmin('Keys', 'Signing keys');
    const keys = async () => (await plant.admin.api('GET', '/api/v1/keys/signing')).json.items as { kid: string; status: string }[];
    const old = (await keys()).find((key) => key.status === 'active')?.kid ?? 'missing';
    await item('Signing keys', new RegExp(old)).waitFor();
    expect(await item('Signing keys', new RegExp(old)).getByRole('heading').textContent()).toContain('Current');

    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    const confirmation = page.getByRole('group', { name: /^Make a new signing key current\?/ });
    expect(await confirmation.textContent()).toContain(`Key ${old} is retired`);
    await confirmation.getByRole('button', { name: 'Yes, rotate the signing key' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContainEqual(expect.stringMatching(/^Key \S+ is now current/));

    const after = await keys();
    const active = after.find((key) => key.status === 'active')?.kid ?? 'missing';
    expect(active).not.toBe(old);
    expect(after.find((key) => key.kid === old)?.status).toBe('retired');
    await expect.poll(() => item('Signing keys', new RegExp(active)).getByRole('heading').textContent()).toContain('Current');
    expect(await item('Signing keys', new RegExp(old)).getByRole('heading').textContent()).toContain('Retired');
  });

  it('revokes the retired key from a time on after a confirmation saying what is refused; the JWKS marks it', async () => {
    const keys = (await plant.admin.api('GET', '/api/v1/keys/signing')).json.items as { kid: string; status: string }[];
    const retired = keys.find((key) => key.status === 'retired')?.kid ?? 'missing';
    const listed = item('Signing keys', new RegExp(retired));
    await listed.getByRole('button', { name: 'Revoke' }).click();
    const confirmation = listed.getByRole('group', { name: new RegExp(`^Revoke key ${retired} as compromised`) });
    expect(await confirmation.textContent()).toContain('Every order it signed at or after that time is refused everywhere');
    await confirmation.getByLabel('Reason (recorded in the audit log)').fill('Laptop with a key backup stolen');
    await confirmation.getByRole('button', { name: `Yes, revoke key ${retired}` }).click();
    await expect.poll(() => listed.getByRole('heading').textContent()).toContain('Revoked');
    const after = (await plant.admin.api('GET', '/api/v1/keys/signing')).json.items as { kid: string; status: string; revokedReason: string; revokedSince: string }[];
    expect(after.find((key) => key.kid === retired)).toMatchObject({ status: 'revoked', revokedReason: 'Laptop with a key backup stolen' });
    const jwks = (await plant.admin.api('GET', '/api/v1/keys')).json as { keys: { kid: string; revokedSince?: string }[] };
    expect(jwks.keys.find((key) => key.kid === retired)?.revokedSince).toBe(after.find((key) => key.kid === retired)?.revokedSince);
  });

  it('rotates the key-encryption key after a confirmation; signing still works with the re-wrapped keys', async () => {
    const rotations: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/keys/rotate-kek')) rotations.push(request.method());
    });
    await page.getByRole('button', { name: 'Rotate key-encryption key' }).click();
    const confirmation = page.getByRole('group', { name: /^Replace the key-encryption key\?/ });
    expect(await confirmation.textContent()).toContain('a copy of the old keyring file no longer opens anything');
    // The new passphrase is typed twice, kept from password managers, and two that differ never reach the server.
    const first = confirmation.getByLabel('New passphrase (passphrase keyrings only)');
    const again = confirmation.getByLabel('New passphrase again');
    for (const field of [first, again]) expect(await field.getAttribute('autocomplete')).toBe('off');
    await first.fill('granite rivers fold slowly');
    await again.fill('granite rivers fold slowy');
    await confirmation.getByRole('button', { name: 'Yes, rotate the key-encryption key' }).click();
    await expect.poll(() => confirmation.getByRole('alert').textContent()).toContain('The two passphrases differ');
    expect(rotations).toEqual([]);
    await first.fill('');
    await again.fill('');
    await confirmation.getByRole('button', { name: 'Yes, rotate the key-encryption key' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Key-encryption key' }).getByRole('status').textContent()).toMatch(/^The key-encryption key is now \S+ \(was \S+\): re-wrapped \d+ data keys, [1-9]\d* signing keys/);
    expect(rotations).toEqual(['POST']);
    // The keyring serves on with the new KEK: a new signing key is wrapped with it.
    expect((await plant.admin.api('POST', '/api/v1/keys/rotate')).status).toBe(201);
  });

  it('fits a 360px screen: no admin page scrolls sideways', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const [label, heading] of [['Users', 'Users'], ['Devices', 'Devices'], ['Zones', 'Zones and conduits'], ['Keys', 'Signing keys']] as const) {
      await openAdmin(label, heading);
      const widths = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return { scroll: root.scrollWidth, client: root.clientWidth };
      });
      expect(widths.scroll, label).toBeLessThanOrEqual(widths.client);
      await page.screenshot({ path: `test-results/web-admin-${label.toLowerCase()}-360.png`, fullPage: true });
    }
  });
});
