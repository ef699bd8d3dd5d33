/** A value read from the server now and again while the page is visible. */
import { useEffect } from 'react';
import { useLoaded, type Loaded } from './use-loaded';

/** How often a page that follows others' changes reads again while visible. */
export const PAGE_REFRESH_MS = 30_000;

/**
 * {@link useLoaded}, read again every `intervalMs` while the document is visible and at once when
 * it becomes visible again; a hidden tab asks the server nothing.
 */
export function usePolled<T>(read: () => Promise<T>, intervalMs: number): Loaded<T> {
  const loaded = useLoaded(read);
  const { reload } = loaded;
  useEffect(() => {
    const whenVisible = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    const timer = window.setInterval(whenVisible, intervalMs);
    document.addEventListener('visibilitychange', whenVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', whenVisible);
    };
  }, [reload, intervalMs]);
  return loaded;
}
