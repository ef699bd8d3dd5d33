/** The account page's second factor: its state, and enrolment when it is off. */
import { useCallback, useEffect, useState } from 'react';
import { fetchMfaStatus } from '../account-api';
import { formatDateTime } from '../format';
import { useSession } from '../session-context';
import type { MfaStatus } from '../types';
import { ErrorAlert, StatusMessage } from './error-alert';
import { MfaEnrolment } from './mfa-enrolment';

/** Shows whether TOTP is on, how many recovery codes are left, and lets the user enrol. */
export function MfaSection() {
  const { refresh } = useSession();
  const [status, setStatus] = useState<MfaStatus>();
  const [error, setError] = useState<unknown>();
  const [enrolling, setEnrolling] = useState(false);
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

  const enrolled = async () => {
    setEnrolling(false);
    setMessage('Two-factor authentication is on.');
    await Promise.all([load(), refresh()]);
  };

  return (
    <section className="card stack" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-factor authentication</h2>
      <ErrorAlert error={error} />
      <StatusMessage>{message}</StatusMessage>
      {status === undefined && error === undefined && <p className="muted">Loading…</p>}
      {status?.enrolled && (
        <p>
          On since {status.enabledAt === null ? 'enrolment' : formatDateTime(status.enabledAt)}. Recovery codes left: {status.recoveryCodesLeft}.
        </p>
      )}
      {status !== undefined && !status.enrolled && !enrolling && (
        <>
          <p>Off. {status.required ? 'A role of yours requires it.' : 'Turn it on so a stolen password alone cannot open your account.'}</p>
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => setEnrolling(true)}>
              Set up two-factor authentication
            </button>
          </div>
        </>
      )}
      {enrolling && <MfaEnrolment level={3} onDone={enrolled} onCancel={() => setEnrolling(false)} />}
    </section>
  );
}
