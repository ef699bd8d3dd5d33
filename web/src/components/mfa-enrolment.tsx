/**
 * TOTP enrolment (RFC 6238): start it, scan the QR code (or type the key), confirm
 * with the first code, then see the recovery codes once. The QR code arrives as SVG
 * text and is shown as an image, never inserted as markup.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { beginMfaEnrolment, confirmMfaEnrolment } from '../account-api';
import { formatDateTime } from '../format';
import type { MfaEnrolment as Enrolment } from '../types';
import { ErrorAlert } from './error-alert';
import { Heading, type HeadingLevel } from './heading';
import { RecoveryCodes } from './recovery-codes';
import { TextField } from './text-field';

type Step = { readonly kind: 'start' } | { readonly kind: 'scan'; readonly enrolment: Enrolment } | { readonly kind: 'codes'; readonly codes: readonly string[] };

/** The SVG as a base64 `data:` URL, which the CSP's `img-src data:` allows. */
function svgDataUrl(svg: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** The whole enrolment; `onDone` runs after the user saved their recovery codes. */
export function MfaEnrolment(props: { readonly level: HeadingLevel; readonly onDone: () => void | Promise<void>; readonly onCancel?: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'start' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setStep({ kind: 'scan', enrolment: await beginMfaEnrolment() });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (step.kind === 'codes') return <RecoveryCodes codes={step.codes} level={props.level} onSaved={() => void props.onDone()} />;
  if (step.kind === 'scan') {
    return <ScanAndConfirm enrolment={step.enrolment} level={props.level} onConfirmed={(codes) => setStep({ kind: 'codes', codes })} onCancel={props.onCancel} />;
  }
  return (
    <div className="stack">
      <p>Use an authenticator app on your phone (for example FreeOTP, Aegis, Google Authenticator or Microsoft Authenticator). You will scan a QR code, then type the code the app shows.</p>
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void start()}>
          Set up authenticator app
        </button>
        {props.onCancel && (
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}

/** The QR code, the key for manual entry, and the form for the first code. */
function ScanAndConfirm(props: {
  readonly enrolment: Enrolment;
  readonly level: HeadingLevel;
  readonly onConfirmed: (codes: readonly string[]) => void;
  readonly onCancel: (() => void) | undefined;
}) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const confirm = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onConfirmed((await confirmMfaEnrolment(code.replace(/\s+/g, ''))).recoveryCodes);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <Heading level={props.level} ref={heading}>
        Scan the QR code
      </Heading>
      <p>Open your authenticator app, add an account, and scan this code.</p>
      <img className="qr-code" alt="QR code for your authenticator app" src={svgDataUrl(props.enrolment.qrSvg)} width={240} height={240} />
      <TextField
        label="Setup key"
        hint="Can't scan? Type this key into the app instead (time-based, 6 digits)."
        value={props.enrolment.secret}
        onValueChange={() => undefined}
        readOnly
        autoComplete="off"
        spellCheck={false}
        mono
      />
      <p className="muted">This setup expires at {formatDateTime(props.enrolment.expiresAt)}.</p>
      <form className="form" onSubmit={(event) => void confirm(event)}>
        <TextField
          label="Code from your authenticator app"
          value={code}
          onValueChange={setCode}
          inputMode="numeric"
          autoComplete="one-time-code"
          spellCheck={false}
          required
        />
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            Confirm
          </button>
          {props.onCancel && (
            <button type="button" className="button" onClick={props.onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
