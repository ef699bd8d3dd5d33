/** The account page's second factor: its state, enrolment when it is off, new recovery codes and turning it off when it is on. */
import { useCallback, useEffect, useState } from 'react';
import { disableMfa, fetchMfaStatus, regenerateRecoveryCodes } from '../account-api';
import { formatDateTime } from '../format';
import { useSession } from '../session-context';
import type { MfaStatus } from '../types';
import { ErrorAlert, StatusMessage } from './error-alert';
import { MfaEnrolment } from './mfa-enrolment';
import { MfaReauthStep } from './mfa-reauth-step';
import { RecoveryCodes } from './recovery-codes';

/** What the section shows below the state: nothing more, a step of a change, or the new recovery codes, once. */
type Mode =
  | { readonly kind: 'none' }
  | { readonly kind: 'enrolling' }
  | { readonly kind: 'confirm-codes' }
  | { readonly kind: 'confirm-disable' }
  | { readonly kind: 'codes'; readonly codes: readonly string[] };

/** Shows whether TOTP is on and how many recovery codes are left; enrols, replaces the codes, or turns it off. */
export function MfaSection() {
  const { refresh } = useSession();
  const [status, setStatus] = useState<MfaStatus>();
  const [error, setError] = useState<unknown>();
  const [mode, setMode] = useState<Mode>({ kind: 'none' });
  const [message, setMessage] = useState<string>();

  const load = useCallback(async () => {
    try {
      setStatus(await fetchMfaStatus());
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const open = (next: Mode) => {
    setMessage(undefined);
    setMode(next);
  };

  const enrolled = async () => {
    setMode({ kind: 'none' });
    setMessage('Two-factor authentication is on.');
    await Promise.all([load(), refresh()]);
  };

  const replaceCodes = async (password: string, code: string) => {
    const codes = await regenerateRecoveryCodes(password, code);
    // The old codes are gone on the server already: show the new ones before anything else can fail.
    setMode({ kind: 'codes', codes });
    await load();
  };

  const codesSaved = () => {
    setMode({ kind: 'none' });
    setMessage('Your new recovery codes are in place; the old ones no longer work.');
  };

  const turnOff = async (password: string, code: string) => {
    await disableMfa(password, code);
    setMode({ kind: 'none' });
    setMessage('Two-factor authentication is off.');
    await Promise.all([load(), refresh()]);
  };

  return (
    <section className="card stack" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-factor authentication</h2>
      <ErrorAlert error={error} />
      <StatusMessage>{message}</StatusMessage>
      {status === undefined && error === undefined && <p className="muted">Loading…</p>}
      {status?.enrolled && mode.kind !== 'codes' && (
        <p>
          On since {status.enabledAt === null ? 'enrolment' : formatDateTime(status.enabledAt)}. Recovery codes left: {status.recoveryCodesLeft}.
        </p>
      )}
      {status?.enrolled && mode.kind === 'none' && (
        <div className="actions">
          <button type="button" className="button" onClick={() => open({ kind: 'confirm-codes' })}>
            New recovery codes
          </button>
          <button type="button" className="button button-danger" onClick={() => open({ kind: 'confirm-disable' })}>
            Turn off two-factor authentication
          </button>
        </div>
      )}
      {mode.kind === 'confirm-codes' && (
        <MfaReauthStep
          question="Replace your recovery codes? Every code you have now stops working at once, used or not. The new codes are shown only once, so have a safe place ready for them."
          confirmLabel="Yes, replace my recovery codes"
          onConfirm={replaceCodes}
          onCancel={() => setMode({ kind: 'none' })}
        />
      )}
      {mode.kind === 'confirm-disable' && (
        <MfaReauthStep
          question={`Turn off two-factor authentication? Your password alone then signs you in; your authenticator app and recovery codes stop working, and turning it on again means scanning a new QR code.${status?.required ? ' A role of yours requires it, so the server will keep it on.' : ''}`}
          confirmLabel="Yes, turn it off"
          onConfirm={turnOff}
          onCancel={() => setMode({ kind: 'none' })}
        />
      )}
      {mode.kind === 'codes' && <RecoveryCodes codes={mode.codes} level={3} onSaved={codesSaved} />}
      {status !== undefined && !status.enrolled && mode.kind !== 'enrolling' && (
        <>
          <p>Off. {status.required ? 'A role of yours requires it.' : 'Turn it on so a stolen password alone cannot open your account.'}</p>
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => open({ kind: 'enrolling' })}>
              Set up two-factor authentication
            </button>
          </div>
        </>
      )}
      {mode.kind === 'enrolling' && <MfaEnrolment level={3} onDone={enrolled} onCancel={() => setMode({ kind: 'none' })} />}
    </section>
  );
}
