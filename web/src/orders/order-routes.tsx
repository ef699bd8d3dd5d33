/** The planner's and approver's paths: /orders, /orders/new, /orders/:id(/edit|/revisions), /approvals(/:id). */
import './orders.css';
import type { ReactNode } from 'react';
import { ApprovalPage } from './approval-page';
import { ApprovalsPage } from './approvals-page';
import { OrderEditorPage } from './order-editor-page';
import { OrderPage } from './order-page';
import { OrdersPage } from './orders-page';
import { RevisionsPage } from './revisions-page';

const ORDER = /^\/orders\/([0-9a-f-]{36})(?:\/(edit|revisions))?$/;
const APPROVAL = /^\/approvals\/([0-9a-f-]{36})$/;

/** The screen for `path` (without a trailing slash), or undefined when it is none of these. */
export function orderScreen(path: string): ReactNode | undefined {
  if (path === '/orders') return <OrdersPage />;
  if (path === '/orders/new') return <OrderEditorPage key="new" />;
  if (path === '/approvals') return <ApprovalsPage />;
  const order = ORDER.exec(path);
  if (order?.[1] !== undefined) {
    const id = order[1];
    if (order[2] === 'edit') return <OrderEditorPage key={id} id={id} />;
    if (order[2] === 'revisions') return <RevisionsPage key={id} id={id} />;
    return <OrderPage key={id} id={id} />;
  }
  const approval = APPROVAL.exec(path);
  if (approval?.[1] !== undefined) return <ApprovalPage key={approval[1]} id={approval[1]} />;
  return undefined;
}
