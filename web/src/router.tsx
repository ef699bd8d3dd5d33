/** A tiny router on the History API: the path as state, navigation, and links that do not reload. */
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';

const NAVIGATED = 'forgeline:navigated';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

function currentPath(): string {
  return window.location.pathname;
}

/** The current path; re-renders on navigation and on the browser's back and forward. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

/** Goes to `path` inside the app, adding a history entry. */
export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

/** An in-app link: a real `<a href>` (so it opens in a new tab too) that navigates without a reload. */
export function Link(props: { readonly to: string; readonly className?: string; readonly current?: boolean; readonly children: ReactNode }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} className={props.className} aria-current={props.current ? 'page' : undefined} onClick={onClick}>
      {props.children}
    </a>
  );
}
