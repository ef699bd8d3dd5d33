import type { OrderState } from '../domain/index.js';
import { act, orderPath, type OrderView } from './demo-api.js';
import type { DemoSigner } from './demo-authenticator.js';
import type { DemoClient } from './demo-client.js';
import { DemoError } from './demo-error.js';
import { EXPECTED_TOTALS, orderInput, progressReports, type CastMember } from './demo-plant.js';
import type { OrderPlan } from './order-plan.js';

/** A signed-in member of the cast, with the password their electronic signature re-enters. */
export interface Person {
  readonly client: DemoClient;
  readonly password: string;
  /** Signs for them: the password, and a code from their authenticator when the server needs one. */
  readonly signer: DemoSigner;
}

/** A refusal seen: what was tried and the problem `code` the API answered with. */
export interface Refusal {
  readonly attempt: string;
  readonly code: string;
}

/** What became of one order. */
export interface OrderOutcome {
  readonly number: string;
  readonly state: OrderState;
  readonly held: boolean;
  readonly paused: boolean;
  /** Its create was sent twice under one Idempotency-Key and gave back the same order. */
  readonly retried: boolean;
  readonly refusals: readonly Refusal[];
}

/** What a story needs: the cast, the work center the order goes to, and the time the demo started. */
export interface StoryContext {
  readonly cast: Readonly<Record<CastMember, Person>>;
  readonly workCenterId: string;
  readonly now: Date;
}

/** Runs one order through its life as planned, over the API, checking every answer. */
export async function runOrder(context: StoryContext, plan: OrderPlan): Promise<OrderOutcome> {
  const { cast } = context;
  const refusals: Refusal[] = [];
  const author = cast[plan.author];
  const approver = cast[plan.approver];
  const { planner, operator, quality, logistics } = cast;
  const input = orderInput(plan.index, context.workCenterId, context.now);
  const key = `demo-${String(input.number)}`;
  const create = { method: 'POST', path: '/api/v1/orders', body: input, headers: { 'Idempotency-Key': key } } as const;
  let order = await author.client.expect<OrderView>(`create ${String(input.number)}`, create, 201);
  // What actually happened on the way, as orders cancelled early skip their detours.
  let held = false;
  let paused = false;
  let retried = false;
  const finish = (state: OrderState): OrderOutcome => ({ number: order.number, state, held, paused, retried, refusals });
  const cancel = async (): Promise<OrderOutcome> => {
    const canceller = cast[plan.cancel?.by ?? 'planner'];
    // After release a cancel is an electronic signature too.
    const cancelWith = (fields: object) => act(canceller.client, order, 'cancel', 'cancelled', { reason: plan.cancel?.reason, ...fields });
    order = order.state === 'draft' || order.state === 'submitted' ? await cancelWith({}) : await canceller.signer.sign(undefined, cancelWith);
    return finish(order.state);
  };

  if (plan.showcases.includes('idempotent-retry')) {
    // A retry after a lost answer: the same key and body must give back the same order, not a second one.
    const again = await author.client.expect<OrderView>(`retry create ${order.number}`, create, 201);
    if (again.id !== order.id || again.version !== order.version) throw new DemoError(`retry create ${order.number}`, `the retry made another order (${again.id})`);
    retried = true;
  }
  if (plan.cancel?.at === 'draft') return cancel();
  order = await act(author.client, order, 'submit', 'submitted', { note: 'Ready for approval' });
  const release = { method: 'POST', path: orderPath(order.id, 'release') } as const;
  if (plan.showcases.includes('planner-releases-own-order')) {
    const body = { version: order.version, password: planner.password, meaning: 'approved for production' };
    const problem = await planner.client.expectRefusal(`planner releases ${order.number}`, { ...release, body }, 'forbidden');
    refusals.push({ attempt: 'planner releases own order', code: problem.code });
  }
  if (plan.showcases.includes('approver-releases-own-order')) {
    const body = { version: order.version, password: author.password, meaning: 'approved for production' };
    const problem = await author.client.expectRefusal(`author releases ${order.number}`, { ...release, body }, 'separation-of-duties');
    refusals.push({ attempt: 'supervisor releases the order she wrote', code: problem.code });
  }
  if (plan.cancel?.at === 'submitted') return cancel();
  // The electronic signature: the approver re-enters their password and states its meaning.
  order = await approver.signer.sign('approved for production', (fields) => act(approver.client, order, 'release', 'released', fields));
  const signature = order.signatures?.at(-1);
  if (signature?.signer !== approver.client.username) throw new DemoError(`release ${order.number}`, 'the order carries no signature of its approver');
  if (plan.hold === 'released') {
    order = await act(quality.client, order, 'hold', 'held', { reason: 'Hold for certificate of the wire rod heat' });
    order = await quality.signer.sign('released from hold: certificate received', (fields) => act(quality.client, order, 'unhold', 'released', { note: 'Certificate received', ...fields }));
    held = true;
  }
  if (plan.cancel?.at === 'released') return cancel();
  if (plan.showcases.includes('logistics-reads-recipe')) {
    const step = `logistics reads ${order.number}`;
    const plain = await logistics.client.expect<OrderView>(step, { method: 'GET', path: orderPath(order.id) });
    if (plain.content?.parameters !== undefined || plain.content?.customerReference !== undefined) throw new DemoError(step, 'confidential fields were sent to logistics');
    const problem = await logistics.client.expectRefusal(step, { method: 'GET', path: orderPath(order.id), query: { include: 'confidential' } }, 'forbidden');
    refusals.push({ attempt: 'logistics asks for the recipe', code: problem.code });
  }
  order = await act(planner.client, order, 'dispatch', 'dispatched');
  if (plan.showcases.includes('stale-version')) {
    // A second terminal still holding the order as it was before dispatch.
    const body = { version: order.version - 1 };
    const problem = await operator.client.expectRefusal(`start ${order.number} from a stale copy`, { method: 'POST', path: orderPath(order.id, 'start'), body }, 'stale-version');
    refusals.push({ attempt: 'start from a stale copy', code: problem.code });
  }
  order = await act(operator.client, order, 'start', 'running');
  const [first, second] = progressReports(plan.index);
  order = await act(operator.client, order, 'progress', 'running', first);
  if (plan.pause) {
    order = await act(operator.client, order, 'pause', 'paused', { note: 'Die change' });
    order = await act(operator.client, order, 'resume', 'running');
    paused = true;
  }
  if (plan.hold === 'running') {
    order = await act(quality.client, order, 'hold', 'held', { reason: 'Surface marks found at first-off inspection' });
    // A hold released on a running order leaves it paused: the operator restarts deliberately.
    order = await quality.signer.sign(undefined, (fields) => act(quality.client, order, 'unhold', 'paused', { note: 'Marks traced to a worn guide, replaced', ...fields }));
    order = await act(operator.client, order, 'resume', 'running');
    held = true;
  }
  if (plan.cancel?.at === 'running') return cancel();
  order = await act(operator.client, order, 'progress', 'running', second);
  if (order.goodQuantity !== EXPECTED_TOTALS.good || order.scrapQuantity !== EXPECTED_TOTALS.scrap) {
    throw new DemoError(`progress ${order.number}`, `expected good ${EXPECTED_TOTALS.good} and scrap ${EXPECTED_TOTALS.scrap}, got ${order.goodQuantity} and ${order.scrapQuantity}`);
  }
  order = await act(operator.client, order, 'complete', 'completed');
  order = await approver.signer.sign('production record reviewed and closed', (fields) => act(approver.client, order, 'close', 'closed', fields));
  return finish(order.state);
}
