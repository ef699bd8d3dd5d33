/** An enrolment token for a device: minted on request, shown this once with how the device uses it. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { formatDateTime } from '../format';
import { createEnrolmentToken } from './admin-api';
import type { DeviceEntry, EnrolmentToken } from './admin-types';

/** Default and longest lifetimes of a token (src/devices/device-requests.ts). */
const DEFAULT_MINUTES = 15;
const MAX_MINUTES = 1440;

/** Asks for the token's lifetime, mints it, then shows it until the admin closes it; it is never fetched again. */
export function EnrolmentTokenPanel(props: { readonly device: DeviceEntry; readonly onClose: () => void }) {
  const [minutes, setMinutes] = useState(String(DEFAULT_MINUTES));
  const [token, setToken] = useState<EnrolmentToken>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setToken(await createEnrolmentToken(props.device.id, Number(minutes)));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (token !== undefined) return <ShownToken device={props.device} token={token} onClose={props.onClose} />;
  return (
    <form className="form admin-panel" aria-label={`Enrolment token for ${props.device.name}`} onSubmit={(event) => void submit(event)}>
      <TextField
        label="Valid for (minutes)"
        hint={`Single use, bound to this device's work center; at most ${MAX_MINUTES} minutes (a day).`}
        type="number"
        min={1}
        max={MAX_MINUTES}
        inputMode="numeric"
        value={minutes}
        onValueChange={setMinutes}
        required
      />
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Create token
        </button>
        <button type="button" className="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The token and the command to run on the device. */
function ShownToken(props: { readonly device: DeviceEntry; readonly token: EnrolmentToken; readonly onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const origin = window.location.origin;
  const command = `forgeline --server ${origin} --ca forgeline-ca.pem device enrol --token ${props.token.token} --out /var/lib/forgeline-device`;
  return (
    <section className="stack admin-panel admin-token" aria-label={`Enrolment token for ${props.device.name}`}>
      <h4 ref={heading} tabIndex={-1}>
        Enrolment token for {props.device.name}
      </h4>
      <p>
        <strong>Shown only this once:</strong> Forgeline keeps only its hash. It works once, until {formatDateTime(props.token.expiresAt)}.
      </p>
      <TextField label="Enrolment token" value={props.token.token} onValueChange={() => undefined} readOnly mono autoComplete="off" spellCheck={false} />
      <p>
        On the device, save the <a href="/api/v1/pki/ca">Forgeline CA certificate</a> as <code>forgeline-ca.pem</code>, then run (or pass <code>--token -</code> and type the token, to keep it out of
        the shell history):
      </p>
      <pre className="admin-command">
        <code>{command}</code>
      </pre>
      <p className="muted">The device makes its own key, sends only a certificate request, and writes its key, certificate and the CA to the folder.</p>
      <button type="button" className="button button-primary" onClick={props.onClose}>
        Done, hide the token
      </button>
    </section>
  );
}
