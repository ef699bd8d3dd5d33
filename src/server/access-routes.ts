import { mfaConfirmSchema, mfaReauthSchema, mfaResetSchema, roleChangeSchema, sitePolicyPatchSchema } from '../access/index.js';
import { ForgelineError } from '../domain/index.js';
import { presentMfaEnrolment, presentMfaStatus, presentSession, presentUser } from './access-presenters.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/**
 * Account protection (issue 4 points 1, 2 and the site policy): second factors,
 * roles, other users' sessions, and the site's access policy.
 */
export function accessRoutes(services: Services): RouteSpec[] {
  const { mfa, policy, sessionDirectory, users } = services;
  return [
    {
      method: 'GET', url: '/api/v1/users/me/mfa', tag: 'mfa', authenticated: true, personOnly: true, accountSetup: true,
      summary: 'Your second factor: enrolled or not, required or not, recovery codes left',
      handler: async ({ actor }) => presentMfaStatus(await mfa.status(actor)),
    },
    {
      method: 'POST', url: '/api/v1/users/me/mfa/enrolment', tag: 'mfa', authenticated: true, personOnly: true, accountSetup: true, status: 201,
      summary: 'Start TOTP enrolment: a new secret as an otpauth:// URI, an SVG QR code and base32 text, shown once; confirm within 15 minutes',
      handler: async ({ actor, body }) => {
        if (body !== undefined && body !== null && (typeof body !== 'object' || Object.keys(body).length > 0)) {
          throw new ForgelineError('validation-failed', 'Starting an enrolment takes no body');
        }
        return presentMfaEnrolment(await mfa.beginEnrolment(actor));
      },
    },
    {
      method: 'POST', url: '/api/v1/users/me/mfa/confirm', tag: 'mfa', authenticated: true, personOnly: true, accountSetup: true, body: mfaConfirmSchema,
      summary: 'Confirm enrolment with the first code the app shows; answers ten single-use recovery codes, shown only here',
      handler: async ({ actor, body }) => {
        const confirmed = await mfa.confirmEnrolment(actor, body);
        return { enabledAt: confirmed.enabledAt, recoveryCodes: [...confirmed.recoveryCodes] };
      },
    },
    {
      method: 'POST', url: '/api/v1/users/me/mfa/recovery-codes', tag: 'mfa', authenticated: true, personOnly: true, accountSetup: true, body: mfaReauthSchema,
      summary: 'Replace your recovery codes (password and a current code needed); the old ones stop working',
      handler: async ({ actor, body }) => ({ recoveryCodes: [...(await mfa.regenerateRecoveryCodes(actor, body)).recoveryCodes] }),
    },
    {
      method: 'POST', url: '/api/v1/users/me/mfa/disable', tag: 'mfa', authenticated: true, personOnly: true, accountSetup: true, status: 204, body: mfaReauthSchema,
      summary: 'Remove your second factor (password and a current code needed); refused while a role of yours requires one',
      handler: ({ actor, body }) => mfa.disable(actor, body),
    },
    {
      method: 'POST', url: '/api/v1/users/:user/mfa/reset', tag: 'mfa', authenticated: true, status: 204, body: mfaResetSchema,
      summary: "Reset another user's second factor (admin), e.g. after a lost phone; their sessions end and they enrol again",
      handler: ({ actor, params, body }) => mfa.reset(actor, params.user ?? '', body ?? {}),
    },
    {
      method: 'PUT', url: '/api/v1/users/:user/roles', tag: 'users', authenticated: true, body: roleChangeSchema,
      summary: "Replace a user's roles (admin, not your own); checked against the site policy's conflicting roles; their sessions end",
      handler: async ({ actor, params, body }) => presentUser(await users.setRoles(actor, params.user ?? '', body)),
    },
    {
      method: 'GET', url: '/api/v1/users/:user/sessions', tag: 'sessions', authenticated: true,
      summary: "A user's live sessions (admin, auditor)",
      handler: async ({ actor, params }) => ({ items: (await sessionDirectory.listOf(actor, params.user ?? '')).map(presentSession) }),
    },
    {
      method: 'DELETE', url: '/api/v1/users/:user/sessions', tag: 'sessions', authenticated: true,
      summary: "Revoke all of a user's sessions (admin)",
      handler: async ({ actor, params }) => ({ revoked: await sessionDirectory.revokeAllOf(actor, params.user ?? '') }),
    },
    {
      method: 'DELETE', url: '/api/v1/users/:user/sessions/:session', tag: 'sessions', authenticated: true, status: 204,
      summary: "Revoke one of a user's sessions by its id (admin; from GET /api/v1/users/{user}/sessions)",
      handler: ({ actor, params }) => sessionDirectory.revokeOneOf(actor, params.user ?? '', params.session ?? ''),
    },
    {
      method: 'GET', url: '/api/v1/policy', tag: 'policy', authenticated: true,
      summary: 'The site access policy: MFA for everyone, conflicting roles, session lifetimes, lockout (admin, auditor)',
      handler: ({ actor }) => policy.read(actor),
    },
    {
      method: 'PATCH', url: '/api/v1/policy', tag: 'policy', authenticated: true, body: sitePolicyPatchSchema,
      summary: 'Change some settings of the site access policy (admin; audited with before and after); lists users whose roles now conflict',
      handler: ({ actor, body }) => policy.update(actor, body),
    },
  ];
}
