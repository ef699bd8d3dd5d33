/** The account page's password change, folded until asked for. */
import { useState } from 'react';
import { ChangePasswordForm } from './change-password-form';
import { StatusMessage } from './error-alert';

/** A "Change password" button that opens the form; `onChanged` runs after the server accepted the new password. */
export function PasswordSection(props: { readonly onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string>();
  const changed = () => {
    setOpen(false);
    setMessage('Your password is changed. Your other sessions were signed out.');
    props.onChanged();
  };
  return (
    <section className="card stack" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <StatusMessage>{message}</StatusMessage>
      {open ? (
        <>
          <ChangePasswordForm onChanged={changed} />
          <div className="actions">
            <button type="button" className="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              setMessage(undefined);
              setOpen(true);
            }}
          >
            Change your password
          </button>
        </div>
      )}
    </section>
  );
}
