/** Revoking an order-signing key as compromised from a time on, confirmed with what that does. */
import { useState } from 'react';
import { TextField } from '../components/text-field';
import { formatDateTime, instantOfLocalInput, localInputOf, timeZoneLabel } from '../format';
import { revokeSigningKey } from './admin-api';
import type { SigningKey } from './admin-types';
import { ConfirmStep } from './confirm-step';

/** Now as a `datetime-local` value on the plant's clock, to the minute. */
function localNow(): string {
  return localInputOf(new Date().toISOString());
}

/** The time from which signatures are refused, and why; then the revocation. */
export function RevokeKey(props: { readonly signingKey: SigningKey; readonly onRevoked: (message: string) => Promise<void>; readonly onCancel: () => void }) {
  const { signingKey } = props;
  const [since, setSince] = useState(localNow);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // The time typed is on the plant's clock, whatever zone this browser is in.
  const sinceInstant = instantOfLocalInput(since);
  const sinceText = sinceInstant === undefined ? 'the time you choose' : formatDateTime(sinceInstant);
  const wasActive = signingKey.status === 'active';

  const revoke = async () => {
    setBusy(true);
    setError(undefined);
    try {
      if (sinceInstant === undefined) throw new Error('Choose the time from which signatures are refused.');
      const { active } = await revokeSigningKey(signingKey.kid, sinceInstant, reason);
      await props.onRevoked(`Revoked key ${signingKey.kid}; key ${active} is current.`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <ConfirmStep
      question={`Revoke key ${signingKey.kid} as compromised from ${sinceText}? Every order it signed at or after that time is refused everywhere, by devices and verifiers alike; what it signed before stays verifiable.${wasActive ? ' It is the current key: a new one is made at once, so releases go on.' : ''} A revocation cannot be undone; revoking again can only move the time earlier.`}
      confirmLabel={`Yes, revoke key ${signingKey.kid}`}
      busy={busy}
      error={error}
      onConfirm={() => void revoke()}
      onCancel={props.onCancel}
    >
      <TextField label="Refuse signatures from" hint={`Plant time (${timeZoneLabel()}); when the key may first have been in the wrong hands.`} type="datetime-local" value={since} onValueChange={setSince} required />
      <TextField label="Reason (recorded in the audit log)" value={reason} onValueChange={setReason} maxLength={500} autoComplete="off" required />
    </ConfirmStep>
  );
}
