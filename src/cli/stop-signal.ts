/** The signals that ask a running server to stop. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Resolves with the name of the first SIGINT or SIGTERM received, then removes
 * its handlers so the process again ends normally on a second signal.
 */
export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      for (const name of STOP_SIGNALS) process.removeListener(name, stop);
      resolve(signal);
    };
    for (const name of STOP_SIGNALS) process.once(name, stop);
  });
}
