import type { OrderDetail } from '../api-types.js';
import { segment, type ApiClient } from '../api-client.js';

/**
 * Reads an order to learn its current version, for commands run without
 * `--version`. This gives up the stale-write check for that one call: the
 * change applies to whatever the order is now.
 */
export async function currentVersion(api: ApiClient, id: string): Promise<OrderDetail> {
  return api.get<OrderDetail>(`/api/v1/orders/${segment(id)}`);
}
