/** A value read from the server now and again while the page is visible. */
import { useCallback, useEffect, useState } from 'react';

/** What {@link usePolled} answers: the last value read, the last read's failure (cleared by a good read), and reload. */
export interface Polled<T> {
  readonly value: T | undefined;
  readonly error: unknown;
  reload(): Promise<void>;
}

/**
 * Reads with `read` (a stable function) on mount, every `intervalMs` while the document is
 * visible, and at once when it becomes visible again; a hidden tab asks the server nothing.
 */
export function usePolled<T>(read: () => Promise<T>, intervalMs: number): Polled<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<unknown>();
  const reload = useCallback(async () => {
    try {
      setValue(await read());
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, [read]);
  useEffect(() => {
    void reload();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, intervalMs);
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [reload, intervalMs]);
  return { value, error, reload };
}
