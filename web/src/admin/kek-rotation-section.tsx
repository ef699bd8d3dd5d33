/** Rotating the keyring's key-encryption key while serving, confirmed with what it does. */
import { useState } from 'react';
import { ApiError } from '../api';
import { StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { rotateKek } from './admin-api';
import { ConfirmStep } from './confirm-step';

/** Refused before the server is asked: a passphrase mistyped once would lock every key at the next start. */
const MISMATCH = new ApiError({ status: 0, code: 'passphrase-mismatch', title: 'The two passphrases differ: type the same new passphrase in both fields' });

/** A button, then the confirmation with the new passphrase a passphrase keyring needs, typed twice. */
export function KekRotationSection() {
  const [confirming, setConfirming] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [repeated, setRepeated] = useState('');
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);

  const forget = () => {
    setPassphrase('');
    setRepeated('');
  };

  const rotate = async () => {
    if (passphrase !== repeated) {
      setError(MISMATCH);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await rotateKek(passphrase);
      setConfirming(false);
      forget();
      setMessage(
        `The key-encryption key is now ${result.to} (was ${result.from}): re-wrapped ${result.dataKeys} data keys, ${result.signingKeys} signing keys and ${result.totpSecrets} second-factor secrets${result.retired ? '; the old one is removed' : ''}.`,
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="kek-heading">
      <h2 id="kek-heading">Key-encryption key</h2>
      <p>The keyring&apos;s key-encryption key (KEK) wraps every data key, signing key and second-factor secret at rest.</p>
      <StatusMessage>{message}</StatusMessage>
      {confirming ? (
        <ConfirmStep
          question="Replace the key-encryption key? Every data key, signing key and second-factor secret is re-wrapped with a new one while Forgeline keeps serving, then the old KEK is removed from the keyring, so a copy of the old keyring file no longer opens anything. Keep a copy of the new keyring with your backups."
          confirmLabel="Yes, rotate the key-encryption key"
          busy={busy}
          error={error}
          onConfirm={() => void rotate()}
          onCancel={() => {
            setConfirming(false);
            forget();
          }}
        >
          <TextField
            label="New passphrase (passphrase keyrings only)"
            hint="Leave empty for a keyring file. With a passphrase keyring, at least 12 characters: the server must be started with it from now on."
            type="password"
            value={passphrase}
            onValueChange={setPassphrase}
            // Not for a password manager to keep: this passphrase belongs with the server's operators.
            autoComplete="off"
          />
          <TextField label="New passphrase again" type="password" value={repeated} onValueChange={setRepeated} autoComplete="off" />
        </ConfirmStep>
      ) : (
        <button
          type="button"
          className="button button-danger"
          onClick={() => {
            setError(undefined);
            setConfirming(true);
          }}
        >
          Rotate key-encryption key
        </button>
      )}
    </section>
  );
}
