/**
 * In-process queues, one per SQLite file, shared by every Store that opens
 * that file. better-sqlite3 waits for another connection's lock
 * synchronously (busy_timeout), blocking the event loop, so two Stores of
 * one process on one file would stall each other for the whole timeout.
 * Queuing them here first leaves busy_timeout for other processes only.
 */

interface Queue {
  tail: Promise<void>;
  users: number;
}

const queues = new Map<string, Queue>();

/** Waits for the lock on `key` and resolves to the function that releases it; FIFO. */
export function lockFile(key: string): Promise<() => void> {
  let queue = queues.get(key);
  if (queue === undefined) {
    queue = { tail: Promise.resolve(), users: 0 };
    queues.set(key, queue);
  }
  const q = queue;
  q.users += 1;
  let unlock!: () => void;
  const released = new Promise<void>((resolve) => {
    unlock = resolve;
  });
  const acquired = q.tail.then(() => () => {
    q.users -= 1;
    // Forget idle files so a long run that opens many temp files does not grow the map.
    if (q.users === 0 && queues.get(key) === q) queues.delete(key);
    unlock();
  });
  q.tail = q.tail.then(() => released);
  return acquired;
}
