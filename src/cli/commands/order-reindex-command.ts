import type { Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { printJson, withJsonOption } from '../output.js';
import { ProgressBar } from '../progress-bar.js';

/** One answer of `POST /api/v1/orders/reindex`. */
interface ReindexAnswer {
  readonly indexed: number;
  readonly failed: readonly string[];
  readonly next: string | null;
}

/** Calls the reindex until it has looked at every order, with a progress count. */
async function reindexAll(context: CliContext, api: ApiClient): Promise<{ indexed: number; failed: string[] }> {
  const bar = new ProgressBar(context.io, 'indexing orders');
  let indexed = 0;
  const failed: string[] = [];
  let after: string | null = null;
  try {
    do {
      const answer: ReindexAnswer = await api.post<ReindexAnswer>('/api/v1/orders/reindex', after === null ? {} : { after });
      indexed += answer.indexed;
      failed.push(...answer.failed);
      bar.update(indexed);
      after = answer.next;
    } while (after !== null);
  } finally {
    bar.finish();
  }
  return { indexed, failed };
}

/**
 * Registers `order reindex`: fills the list's search columns (item code, customer reference tag)
 * of orders written before search existed. The server does the work, as it holds the keyring.
 */
export function registerOrderReindexCommand(order: Command, context: CliContext): void {
  withJsonOption(
    order
      .command('reindex')
      .description('index orders written before search by item and customer existed (once after upgrading; key managers only; safe to repeat)'),
  ).action(async (options: { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const result = await reindexAll(context, api);
    if (options.json) return printJson(context.io, result);
    context.io.out(`indexed ${result.indexed} order(s) for search${result.failed.length === 0 ? '' : `; ${result.failed.length} could not be read: ${result.failed.join(', ')}`}`);
  });
}
