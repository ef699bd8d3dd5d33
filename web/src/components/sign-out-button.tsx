/** The "Sign out" button: ends this browser's session and clears its cookie. */
import { useState } from 'react';
import { useSession } from '../session-context';
import { ErrorAlert } from './error-alert';

/** Signs out; a failure (the server unreachable) is shown beside it. */
export function SignOutButton(props: { readonly className?: string }) {
  const { signOut } = useSession();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await signOut();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={props.className ?? 'button'} disabled={busy} onClick={() => void onClick()}>
        Sign out
      </button>
      <ErrorAlert error={error} />
    </>
  );
}
