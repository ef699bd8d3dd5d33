/** One device in the admin's list: state, work center, last contact, certificate; a token to enrol it, revocation confirmed. */
import { useState } from 'react';
import { SelectField } from './select-field';
import { TextField } from '../components/text-field';
import { formatDateTime } from '../format';
import { revokeDevice } from './admin-api';
import { CRL_REASONS, type CrlReason, type DeviceEntry } from './admin-types';
import { ConfirmStep } from './confirm-step';
import { EnrolmentTokenPanel } from './enrolment-token';

type Mode = 'none' | 'token' | 'revoke';

const REASON_OPTIONS = CRL_REASONS.map((reason) => ({ value: reason, label: reason }));

/** The certificate line: serial and status, and when it expires. */
function certificateText(device: DeviceEntry): string {
  const certificate = device.certificate;
  if (certificate === null) return 'None yet: the device has not enrolled';
  const until = certificate.status === 'revoked' ? `revoked ${formatDateTime(certificate.revokedAt ?? '')}` : `${certificate.status === 'expired' ? 'expired' : 'expires'} ${formatDateTime(certificate.notAfter)}`;
  return `${certificate.serial}, ${until}`;
}

/** The device's facts and actions. */
export function DeviceItem(props: { readonly device: DeviceEntry; readonly workCenter: string; readonly onChanged: (message: string) => Promise<void> }) {
  const { device } = props;
  const [mode, setMode] = useState<Mode>('none');
  const [reason, setReason] = useState('');
  const [reasonCode, setReasonCode] = useState<CrlReason>('unspecified');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const headingId = `device-${device.id}`;
  const certificates = device.certificate === null ? 'no certificate yet' : 'every certificate issued to it';

  const revoke = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const revoked = await revokeDevice(device.id, reason, reasonCode);
      setMode('none');
      await props.onChanged(`Revoked ${revoked.name} and ${revoked.certificates.length} ${revoked.certificates.length === 1 ? 'certificate' : 'certificates'}.`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="admin-item" aria-labelledby={headingId}>
      <h3 id={headingId}>{device.name}</h3>
      <dl className="facts">
        <dt>State</dt>
        <dd>{device.status === 'active' ? 'Active' : `Revoked ${formatDateTime(device.revokedAt ?? '')}${device.revokedReason ? `: ${device.revokedReason}` : ''}`}</dd>
        <dt>Kind</dt>
        <dd>{device.kind}</dd>
        <dt>Work center</dt>
        <dd>{props.workCenter}</dd>
        <dt>Last seen</dt>
        <dd>{device.lastSeenAt === null ? 'Never' : formatDateTime(device.lastSeenAt)}</dd>
        <dt>Certificate</dt>
        <dd>{certificateText(device)}</dd>
        <dt>Registered</dt>
        <dd>
          {formatDateTime(device.createdAt)} by {device.createdBy}
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{device.id}</code>
        </dd>
      </dl>
      {device.status === 'active' && mode === 'none' && (
        <div className="actions">
          <button type="button" className="button" aria-describedby={headingId} onClick={() => setMode('token')}>
            Create enrolment token
          </button>
          <button
            type="button"
            className="button button-danger"
            aria-describedby={headingId}
            onClick={() => {
              setError(undefined);
              setMode('revoke');
            }}
          >
            Revoke
          </button>
        </div>
      )}
      {mode === 'token' && <EnrolmentTokenPanel device={device} onClose={() => setMode('none')} />}
      {mode === 'revoke' && (
        <ConfirmStep
          question={`Revoke device ${device.name} and ${certificates}? It is refused from its next request on, its certificates are listed in the certificate revocation list, and this cannot be undone: to bring the machine back, register it again and enrol it anew.`}
          confirmLabel={`Yes, revoke ${device.name}`}
          busy={busy}
          error={error}
          onConfirm={() => void revoke()}
          onCancel={() => setMode('none')}
        >
          <TextField label="Reason (recorded in the audit log)" value={reason} onValueChange={setReason} maxLength={500} autoComplete="off" required />
          <SelectField label="CRL reason code" hint="RFC 5280: keyCompromise when its key may have leaked." value={reasonCode} options={REASON_OPTIONS} onValueChange={(value) => setReasonCode(value as CrlReason)} />
        </ConfirmStep>
      )}
    </li>
  );
}
