/**
 * Follows a work center's order changes live over server-sent events
 * (`GET /api/v1/orders/events`). The browser sends the session cookie itself and reopens a stream
 * the server ends. One it refuses is told apart by asking the same URL once with fetch, which sees
 * the status: a 401 shows the sign-in screen, a permanent refusal (no role there, no such work
 * center) stops and says why, anything else is tried again a little later.
 */
import { useEffect, useRef, useState } from 'react';
import { ApiError, apiRequest, messageOf } from '../api';
import { isPermanentRefusal } from './event-stream-status';
import type { OrderEvent } from './floor-types';

/** Whether the board hears changes as they happen; `refused` is final until the page is loaded again. */
export type LiveState = 'connecting' | 'live' | 'offline' | 'refused';

/** The stream's state, and the server's reason when it refused for good. */
export interface LiveStatus {
  readonly state: LiveState;
  readonly reason?: string;
}

/** What the board does with the stream: catch up when it (re)opens, apply each event. */
export interface OrderEventHandlers {
  /** The stream opened or reopened: changes may have been missed while it was closed. */
  readonly onOpen: () => void;
  readonly onEvent: (event: OrderEvent) => void;
}

/** How long after a refused stream the board tries again. */
const RETRY_MS = 5_000;

/** Asks `url` once for its status: undefined when it would open now, else the refusal; the body is never read. */
async function refusalOf(url: string): Promise<ApiError | undefined> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/event-stream' }, signal: controller.signal });
    if (response.ok) return undefined;
    const problem = (await response.json().catch(() => ({}))) as { code?: unknown; title?: unknown; detail?: unknown };
    return new ApiError({
      status: response.status,
      code: typeof problem.code === 'string' ? problem.code : `http-${response.status}`,
      title: typeof problem.title === 'string' ? problem.title : `The server answered ${response.status}`,
      detail: typeof problem.detail === 'string' && problem.detail !== '' ? problem.detail : undefined,
    });
  } catch {
    return new ApiError({ status: 0, code: 'network-error', title: 'The server could not be reached' });
  } finally {
    controller.abort();
  }
}

/** Opens the stream of `workCenterId` (none while undefined) and answers how it stands. */
export function useOrderEvents(workCenterId: string | undefined, handlers: OrderEventHandlers): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  // The latest handlers, without reopening the stream when they change.
  const listener = useRef(handlers);
  useEffect(() => {
    listener.current = handlers;
  }, [handlers]);

  useEffect(() => {
    if (workCenterId === undefined) return undefined;
    const url = `/api/v1/orders/events?${new URLSearchParams({ workCenterId }).toString()}`;
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const refused = async () => {
      const refusal = await refusalOf(url);
      if (stopped) return;
      if (refusal?.status === 401) {
        // Tells the app the session is gone, which shows the sign-in screen.
        void apiRequest('/api/v1/users/me').catch(() => undefined);
      } else if (refusal !== undefined && isPermanentRefusal(refusal.status)) {
        setStatus({ state: 'refused', reason: messageOf(refusal) });
        return;
      }
      retry = setTimeout(open, RETRY_MS);
    };
    const open = () => {
      setStatus({ state: 'connecting' });
      source = new EventSource(url);
      source.onopen = () => {
        setStatus({ state: 'live' });
        listener.current.onOpen();
      };
      source.addEventListener('order', (message) => {
        let event: OrderEvent;
        try {
          event = JSON.parse((message as MessageEvent<string>).data) as OrderEvent;
        } catch {
          // A malformed event is ignored; the next one (or a reopened stream) brings the board up to date.
          return;
        }
        listener.current.onEvent(event);
      });
      source.onerror = () => {
        if (source?.readyState !== EventSource.CLOSED) {
          // The browser reconnects by itself.
          setStatus({ state: 'connecting' });
          return;
        }
        setStatus({ state: 'offline' });
        if (!stopped) void refused();
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [workCenterId]);

  return status;
}
