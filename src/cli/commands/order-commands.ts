import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { CursorPage, ItemsPage, OrderDetail, OrderRecord, OrderRevisionRecord } from '../api-types.js';
import { segment, type ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { readDataFile } from '../data-file.js';
import { parseOrderSort, parsePositiveInt, parseState, parseTime } from '../option-parsers.js';
import { orderDetailLines, orderSummary, orderTable, revisionTable } from '../order-format.js';
import { editBody, orderListRequest, type OrderListOptions } from '../order-requests.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { currentVersion } from './order-version.js';
import { registerOrderReindexCommand } from './order-reindex-command.js';

interface ListOptions extends OrderListOptions {
  readonly all?: boolean;
  readonly json?: boolean;
}

/** A page of the list; a customer search adds how complete its index is. */
type OrderListPage = CursorPage<OrderRecord> & { customerIndexComplete?: boolean; customerIndexUnreadable?: number };

/** One page of the list, by GET or, for a search by customer, by POST (see {@link orderListRequest}). */
function fetchPage(api: ApiClient, options: ListOptions, cursor: string | undefined): Promise<OrderListPage> {
  const request = orderListRequest(options, cursor);
  return request.method === 'GET' ? api.get<OrderListPage>(request.path, request.query) : api.post<OrderListPage>(request.path, request.body);
}

/** Fetches every page of the order list, following `nextCursor`, with a progress count. */
async function listAll(context: CliContext, api: ApiClient, options: ListOptions): Promise<OrderRecord[]> {
  const bar = new ProgressBar(context.io, 'fetching orders');
  const orders: OrderRecord[] = [];
  let cursor: string | undefined = options.cursor;
  try {
    for (;;) {
      const page = await fetchPage(api, options, cursor);
      orders.push(...page.items);
      bar.update(orders.length);
      if (!page.nextCursor || page.items.length === 0) return orders;
      cursor = page.nextCursor;
    }
  } finally {
    bar.finish();
  }
}

/** Registers `order create|list|show|edit`. */
export function registerOrderCommands(order: Command, context: CliContext): void {
  const { io } = context;

  withJsonOption(
    order
      .command('create')
      .description('create a draft order from a YAML or JSON file')
      .argument('<file>', 'the order content: number, item, quantity, dueWindow, workCenterId, operations, ...')
      .option('--idempotency-key <key>', 'makes a retry of this very command create one order, not two (default: a fresh random key)'),
  ).action(async (file: string, options: { idempotencyKey?: string; json?: boolean }, command: Command) => {
    const content = await readDataFile(file);
    const { api } = await context.connect(command);
    const created = await api.post<OrderDetail>('/api/v1/orders', content, { 'idempotency-key': options.idempotencyKey ?? randomUUID() });
    if (options.json) return printJson(io, created);
    io.out(`created order ${created.number} (${created.id}): ${created.state}, version ${created.version}`);
  });

  withJsonOption(
    order
      .command('list')
      .description('list orders you may see, newest first (or --sort due), filtered and searched')
      .option('--state <state>', 'only orders in this state', parseState)
      .option('--work-center <id>', 'only orders for this work center')
      .option('--site <id>', 'only orders of this site')
      .option('--number <number>', 'only the order with this number')
      .option('--item <code>', 'only orders of this item code (exact, letter case included); end it with * for a prefix: --item \'GEAR-*\'')
      .option('--customer <reference>', 'only orders of this customer reference (exact, ignoring case and surrounding spaces); roles that may see customers only, audited')
      .option('--due-from <time>', 'only orders due at or after this date or RFC 3339 time', parseTime)
      .option('--due-to <time>', 'only orders due at or before this date or RFC 3339 time', parseTime)
      .option('--sort <order>', 'created (newest first, the default) or due (soonest due first)', parseOrderSort)
      .option('--limit <n>', 'orders per page (server default 50, at most 200)', parsePositiveInt)
      .option('--cursor <cursor>', 'continue from a cursor printed by a previous page')
      .option('--all', 'fetch every page'),
  ).action(async (options: ListOptions, command: Command) => {
    const { api } = await context.connect(command);
    if (options.all) {
      const items = await listAll(context, api, options);
      if (options.json) return printJson(io, { items, nextCursor: null });
      return printLines(io, orderTable(items));
    }
    const page = await fetchPage(api, options, options.cursor);
    if (options.json) return printJson(io, page);
    printLines(io, orderTable(page.items));
    if (page.customerIndexComplete === false) io.err('some older orders are not yet indexed for customer search: an administrator runs forgeline order reindex');
    if (page.customerIndexUnreadable !== undefined && page.customerIndexUnreadable > 0) {
      io.err(`${page.customerIndexUnreadable} order(s) cannot be found by customer: their customer reference does not decrypt (forgeline order reindex lists them)`);
    }
    if (page.nextCursor) io.err(`more orders: --cursor ${page.nextCursor} (or --all)`);
  });

  withJsonOption(
    order
      .command('show')
      .description('show one order: content, signatures, progress')
      .argument('<id>', 'order id')
      .option('--confidential', 'include the recipe, setpoints and customer reference (if your role may; the read is audited)')
      .option('--revisions', 'list its revisions too (with --json: {"order": ..., "revisions": [...]})'),
  ).action(async (id: string, options: { confidential?: boolean; revisions?: boolean; json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const detail = await api.get<OrderDetail>(`/api/v1/orders/${segment(id)}`, { include: options.confidential ? 'confidential' : undefined });
    const revisions = options.revisions ? await api.get<ItemsPage<OrderRevisionRecord>>(`/api/v1/orders/${segment(id)}/revisions`) : null;
    if (options.json) return printJson(io, revisions ? { order: detail, revisions: revisions.items } : detail);
    printLines(io, orderDetailLines(detail));
    if (revisions) printLines(io, ['', 'revisions:', ...revisionTable(revisions.items).map((line) => `  ${line}`)]);
  });

  order
    .command('jws')
    .description('print the signed released revision as a compact JWS (verify it with `forgeline order verify-jws` or any JOSE library; the read is audited)')
    .argument('<id>', 'order id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api } = await context.connect(command);
      io.out(await api.getText(`/api/v1/orders/${segment(id)}/jws`, 'application/jose'));
    });

  withJsonOption(
    order
      .command('verify-jws')
      .description('verify a released order\'s JWS offline against a JWKS (EdDSA only; revoked keys, expiry, audience and content hash checked)')
      .argument('<file>', 'the compact JWS (from `order jws`), or - for standard input')
      .requiredOption('--jwks <file>', 'the order-signing JWKS (from `keys jwks` or GET /api/v1/keys)')
      .option('--audience <workCenterId>', 'the work center the order must be for'),
  ).action(async (file: string, options: { jwks: string; audience?: string; json?: boolean }) => {
    const { verifyWithJwks } = await import('../jws-check.js');
    const payload = await verifyWithJwks(file, options.jwks, options.audience, io);
    if (options.json) return printJson(io, payload);
    printLines(io, [
      `verified: order ${payload.order.number} (${payload.order.id}) revision ${payload.order.revision}`,
      `  content hash ${payload.order.contentHash}`,
      `  for work center ${payload.aud}, issued ${new Date(payload.iat * 1000).toISOString()}, expires ${new Date(payload.exp * 1000).toISOString()}, jti ${payload.jti}`,
      ...payload.signatures.map((signature) => `  signed by ${signature.signer} (${signature.action}: ${signature.meaning}) at ${signature.signedAt}`),
    ]);
  });

  withJsonOption(
    order
      .command('edit')
      .description('change fields of a draft order; each top-level field in the file replaces the current one')
      .argument('<id>', 'order id')
      .argument('<file>', 'a YAML or JSON file with the fields to replace')
      .option('--version <n>', 'the version your change was made against (default: the current one, read first)', parsePositiveInt),
  ).action(async (id: string, file: string, options: { version?: number; json?: boolean }, command: Command) => {
    const fields = await readDataFile(file);
    const { api } = await context.connect(command);
    const version = options.version ?? (await currentVersion(api, id)).version;
    const updated = await api.patch<OrderDetail>(`/api/v1/orders/${segment(id)}`, editBody(version, fields));
    if (options.json) return printJson(io, updated);
    io.out(orderSummary(updated));
  });

  registerOrderReindexCommand(order, context);
}
