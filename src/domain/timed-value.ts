/**
 * A value read from the store and kept for a short while (a setting read on every request): reads
 * within `maxAgeMs` of the last load answer it, later ones load it again. A clock that went back
 * loads again too.
 */
export class TimedValue<T> {
  #held: { readonly value: T; readonly at: number } | undefined;

  constructor(private readonly maxAgeMs: number, private readonly load: () => Promise<T>) {}

  /** The value, loaded again when the one held is `maxAgeMs` old at `now` (ms). */
  async get(now: number): Promise<T> {
    const held = this.#held;
    if (held !== undefined && now - held.at >= 0 && now - held.at < this.maxAgeMs) return held.value;
    const value = await this.load();
    this.#held = { value, at: now };
    return value;
  }

  /** Holds `value` as loaded at `now` (a change made here, known without reading it back). */
  set(value: T, now: number): void {
    this.#held = { value, at: now };
  }
}
