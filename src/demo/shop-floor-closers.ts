/**
 * What the demo started and must stop, also when it fails: each closer runs once, the last
 * started first (agents before the server they talk to, the server before its broker).
 */
export class Closers {
  readonly #closers: (() => Promise<void>)[] = [];

  /** Registers `close` to run at {@link Closers.closeAll}. */
  defer(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  /** Runs every closer, newest first; one that fails does not keep the others from running. Answers the failures. */
  async closeAll(): Promise<unknown[]> {
    const failures: unknown[] = [];
    while (this.#closers.length > 0) {
      const close = this.#closers.pop() as () => Promise<void>;
      await close().catch((error: unknown) => failures.push(error));
    }
    return failures;
  }
}
