/** A value the page reads from the server when it opens, with why the read failed and a way to read it again. */
import { useCallback, useEffect, useState } from 'react';

/** What {@link useLoaded} answers: the value once read, the last read's failure (cleared by a good read), and reload. */
export interface Loaded<T> {
  readonly value: T | undefined;
  readonly error: unknown;
  reload(): Promise<void>;
}

/** Reads with `read` (a stable function: a module function or a memoized one) on mount and on each reload. */
export function useLoaded<T>(read: () => Promise<T>): Loaded<T> {
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
  }, [reload]);
  return { value, error, reload };
}
