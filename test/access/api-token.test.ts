import { describe, expect, it } from 'vitest';
import {
  ACTIONS, API_TOKEN_PREFIX, isApiTokenSecret, narrowRoles, newApiTokenSecret, TOKEN_ACTIONS, tokenActionRefusal, type ScopedRole,
} from '../../src/access/index.js';
import { randomToken } from '../../src/crypto/index.js';

// enterprise > berlin > machining > wc-mill, and lyon beside berlin.
const BERLIN = ['acme', 'berlin'];
const MACHINING = [...BERLIN, 'machining'];
const WC_MILL = [...MACHINING, 'wc-mill'];
const LYON = ['acme', 'lyon'];
const role = (name: ScopedRole['role'], path: readonly string[] | null): ScopedRole => ({ role: name, scopeNodeId: path?.at(-1) ?? null, scopePath: path });

describe('API token format', () => {
  it('makes a prefixed 256-bit secret that secret scanners and the edge can tell from a session token', () => {
    const secret = newApiTokenSecret();
    expect(secret).toMatch(/^flt_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(isApiTokenSecret(secret)).toBe(true);
    expect(newApiTokenSecret()).not.toBe(secret);
    // Session tokens are bare 43-character base64url: never taken for an API token, even with an unlucky start.
    expect(isApiTokenSecret(randomToken())).toBe(false);
    expect(isApiTokenSecret(`flt_${randomToken().slice(4)}`)).toBe(false);
    expect(isApiTokenSecret(`${secret}x`)).toBe(false);
  });
});

describe('actions an API token may carry', () => {
  it('never carries user management or the actions that need an electronic signature', () => {
    for (const action of ['user.manage', 'order.release', 'order.close', 'order.unhold', 'order.cancel'] as const) {
      expect(TOKEN_ACTIONS).not.toContain(action);
      expect(tokenActionRefusal(action)).toMatch(/person/);
    }
    expect(tokenActionRefusal('order.create')).toBeUndefined();
    expect(tokenActionRefusal('audit.witness')).toBeUndefined();
  });

  it('is an allow-list: an action not named on it is refused', () => {
    for (const action of ACTIONS) {
      expect(tokenActionRefusal(action) === undefined, action).toBe(TOKEN_ACTIONS.includes(action));
    }
  });
});

describe('narrowRoles(roles, tokenPath)', () => {
  it('keeps the roles unchanged for a token without a scope', () => {
    expect(narrowRoles([role('planner', null), role('quality', LYON)], null)).toEqual([
      { role: 'planner', scopeNodeId: null },
      { role: 'quality', scopeNodeId: 'lyon' },
    ]);
  });

  it('narrows roles reaching the token node to it, keeps roles below it, drops roles elsewhere', () => {
    const roles = [role('planner', null), role('approver', BERLIN), role('operator', WC_MILL), role('quality', LYON)];
    expect(narrowRoles(roles, MACHINING)).toEqual([
      { role: 'planner', scopeNodeId: 'machining' },
      { role: 'approver', scopeNodeId: 'machining' },
      { role: 'operator', scopeNodeId: 'wc-mill' },
    ]);
  });

  it('confines to nothing when the token node is gone', () => {
    expect(narrowRoles([role('planner', null)], [])).toEqual([]);
  });

  it('lists each narrowed role once', () => {
    expect(narrowRoles([role('planner', null), role('planner', BERLIN)], BERLIN)).toEqual([{ role: 'planner', scopeNodeId: 'berlin' }]);
  });
});
