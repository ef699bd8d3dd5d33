/**
 * The work-center board as plain data: which states it shows, in which order, and how one order
 * heard of live (or answered by a command) changes it. Versions decide: an older answer never
 * replaces a newer one, whichever arrives last.
 */
import type { OrderDetail, OrderEvent, OrderState } from './floor-types.js';

/** What the board shows, most urgent first: running, paused, ready, on hold. */
export const BOARD_STATES: readonly OrderState[] = ['running', 'paused', 'dispatched', 'held'];

/** Whether an order in `state` belongs on the board. */
export function onBoard(state: OrderState): boolean {
  return BOARD_STATES.includes(state);
}

/** Running first, then by due date. */
export function boardOrder(a: OrderDetail, b: OrderDetail): number {
  return BOARD_STATES.indexOf(a.state) - BOARD_STATES.indexOf(b.state) || a.dueEnd.localeCompare(b.dueEnd) || a.number.localeCompare(b.number);
}

/** The board with `order` as the server now holds it: replaced or added, or gone when its state is not one the board shows. */
export function withOrder(board: readonly OrderDetail[], order: OrderDetail): readonly OrderDetail[] {
  const current = board.find((other) => other.id === order.id);
  if (current !== undefined && current.version > order.version) return board;
  const others = board.filter((other) => other.id !== order.id);
  return onBoard(order.state) ? [...others, order].sort(boardOrder) : others;
}

/** The board without order `id`, unless the board already holds a version newer than `version`. */
export function withoutOrder(board: readonly OrderDetail[], id: string, version: number): readonly OrderDetail[] {
  const current = board.find((other) => other.id === id);
  return current === undefined || current.version > version ? board : board.filter((other) => other.id !== id);
}

/** Whether `event` needs its order fetched: it is in a state the board shows, and the board does not hold that version yet. */
export function needsFetch(board: readonly OrderDetail[], event: OrderEvent): boolean {
  if (!onBoard(event.state)) return false;
  const current = board.find((order) => order.id === event.id);
  return current === undefined || current.version < event.version;
}
