/** Sets the document title per screen, so tabs, history and screen readers name the page. */
import { useEffect } from 'react';

/** Titles the document "`title` · Forgeline" while the calling screen is shown. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Forgeline`;
  }, [title]);
}
