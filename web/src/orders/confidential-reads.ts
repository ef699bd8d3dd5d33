/**
 * Reads of an order (or a revision) with its confidential fields where the reader's roles allow
 * them for that order. A role that reads recipes and customers may be scoped to other sites or
 * work centers, so `include=confidential` can be refused (403 forbidden) for one order and not
 * another: the read then falls back to the plain one, and that order is read plainly from then on
 * for that reader, without another refused (and audited) attempt.
 */

/** How a read reaches the API, and how a forbidden answer is told apart. */
export interface ConfidentialReadsDeps {
  request<T>(path: string): Promise<T>;
  isForbidden(error: unknown): boolean;
}

/** The reads of one page's life, with the memory of orders whose confidential read was refused. */
export class ConfidentialReads {
  private readonly plainOnly = new Set<string>();

  constructor(private readonly deps: ConfidentialReadsDeps) {}

  /** Reads `path` of order `orderId` for `reader` (a user id), with `?include=confidential` when `confidential` and not refused before. */
  async read<T>(path: string, orderId: string, confidential: boolean, reader: string): Promise<T> {
    const key = JSON.stringify([reader, orderId]);
    if (!confidential || this.plainOnly.has(key)) return this.deps.request<T>(path);
    try {
      return await this.deps.request<T>(`${path}?include=confidential`);
    } catch (error) {
      if (!this.deps.isForbidden(error)) throw error;
      this.plainOnly.add(key);
      return this.deps.request<T>(path);
    }
  }
}
