/**
 * Follows a work center's order changes live over server-sent events
 * (`GET /api/v1/orders/events`). The browser sends the session cookie itself; a stream the
 * server ends is reopened by the browser, and one it refuses is retried after asking the API
 * who is signed in (a 401 there shows the sign-in screen).
 */
import { useEffect, useRef, useState } from 'react';
import { apiRequest } from '../api';
import type { OrderState } from './floor-types';

/** What an event tells: which order, and where it now stands. */
export interface OrderEvent {
  readonly id: string;
  readonly state: OrderState;
  readonly version: number;
}

/** Whether the board hears changes as they happen. */
export type LiveState = 'connecting' | 'live' | 'offline';

/** How long after a refused stream the board tries again. */
const RETRY_MS = 5_000;

/**
 * Opens the stream of `workCenterId` (none while undefined). `onChange` runs on each event and
 * each time the stream (re)opens, since changes may have been missed while it was closed.
 */
export function useOrderEvents(workCenterId: string | undefined, onChange: (event: OrderEvent | undefined) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  // The latest callback, without reopening the stream when it changes.
  const listener = useRef(onChange);
  useEffect(() => {
    listener.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (workCenterId === undefined) return undefined;
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = () => {
      setState('connecting');
      source = new EventSource(`/api/v1/orders/events?${new URLSearchParams({ workCenterId }).toString()}`);
      source.onopen = () => {
        setState('live');
        listener.current(undefined);
      };
      source.addEventListener('order', (message) => {
        try {
          listener.current(JSON.parse((message as MessageEvent<string>).data) as OrderEvent);
        } catch {
          // A malformed event is ignored; the next one (or a reload) brings the board up to date.
        }
      });
      source.onerror = () => {
        if (source?.readyState !== EventSource.CLOSED) {
          // The browser reconnects by itself.
          setState('connecting');
          return;
        }
        setState('offline');
        // Refused: a 401 here tells the app the session is gone; otherwise try again a little later.
        void apiRequest('/api/v1/users/me').catch(() => undefined);
        if (!stopped) retry = setTimeout(open, RETRY_MS);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [workCenterId]);

  return state;
}
