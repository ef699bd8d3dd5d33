/**
 * The job orders an edge agent holds for its machine, and the ISA-95 Job Control state machine
 * they move through (OPC 10031-4 v2, ISA95JobOrderReceiverObjectType, clause 6.2.1 and its
 * JobOrderStatus state machine). Pure: the OPC UA server asks `plan` what a method call would do,
 * lets the agent persist the event, then `commit`s; a refused call changes nothing.
 */
import { compareDecimals, DECIMAL_PATTERN, normalizeDecimal } from '../../domain/index.js';

/** The top-level job order states with their StateNumber (OPC 10031-4 v2, ISA95JobOrderReceiverObjectType). */
export const JOB_ORDER_STATE_NUMBERS = {
  NotAllowedToStart: 1,
  AllowedToStart: 2,
  Running: 3,
  Interrupted: 4,
  Ended: 5,
  Aborted: 6,
} as const;

/** The job order state names, as the specification spells them. */
export const JOB_ORDER_STATES = Object.keys(JOB_ORDER_STATE_NUMBERS) as (keyof typeof JOB_ORDER_STATE_NUMBERS)[];

/** One of {@link JOB_ORDER_STATES}. */
export type JobOrderState = keyof typeof JOB_ORDER_STATE_NUMBERS;

/** The substates used (ISA95PrepareStateMachineType, ISA95InterruptedStateMachineType, ISA95EndedStateMachineType); '' for none. */
export type JobOrderSubstate = '' | 'Waiting' | 'Ready' | 'Suspended' | 'Completed';

/** The methods a machine may call on the job order receiver. `Update` is left out: the order content is what the agent verified. */
export const JOB_COMMANDS = ['Store', 'StoreAndStart', 'Start', 'RevokeStart', 'Pause', 'Resume', 'Stop', 'Abort', 'Cancel', 'Clear'] as const;

/** One of {@link JOB_COMMANDS}. */
export type JobCommand = (typeof JOB_COMMANDS)[number];

/** What the agent is told after each accepted transition or result. */
export const JOB_EVENT_KINDS = ['started', 'start-revoked', 'paused', 'resumed', 'progress', 'completed', 'aborted', 'cancelled', 'cleared'] as const;

/** One of {@link JOB_EVENT_KINDS}. */
export type JobEventKind = (typeof JOB_EVENT_KINDS)[number];

interface Transition {
  readonly from: readonly JobOrderState[];
  /** The state after, or 'removed' when the job leaves the list; 'same' keeps it. */
  readonly to: JobOrderState | 'removed' | 'same';
  readonly substate: JobOrderSubstate;
  readonly event: JobEventKind | null;
}

const NOT_STARTED: readonly JobOrderState[] = ['NotAllowedToStart', 'AllowedToStart'];
const ACTIVE: readonly JobOrderState[] = ['Running', 'Interrupted'];

/**
 * The one table of allowed commands. Start from NotAllowedToStart takes the spec's transition 2
 * and then 5 at once (the machine calling Start is the receiver ready to run); Cancel and Clear
 * remove the job from the list (6.2.1.12, 6.2.1.13). Store of a job the agent offered changes
 * nothing: the agent's offer is the only Store that creates a job.
 */
const TRANSITIONS: Readonly<Record<JobCommand, Transition>> = {
  Store: { from: NOT_STARTED, to: 'same', substate: '', event: null },
  StoreAndStart: { from: NOT_STARTED, to: 'Running', substate: '', event: 'started' },
  Start: { from: NOT_STARTED, to: 'Running', substate: '', event: 'started' },
  RevokeStart: { from: ['AllowedToStart'], to: 'NotAllowedToStart', substate: 'Waiting', event: 'start-revoked' },
  Pause: { from: ['Running'], to: 'Interrupted', substate: 'Suspended', event: 'paused' },
  Resume: { from: ['Interrupted'], to: 'Running', substate: '', event: 'resumed' },
  Stop: { from: ACTIVE, to: 'Ended', substate: 'Completed', event: 'completed' },
  Abort: { from: [...NOT_STARTED, ...ACTIVE], to: 'Aborted', substate: '', event: 'aborted' },
  Cancel: { from: NOT_STARTED, to: 'removed', substate: '', event: 'cancelled' },
  Clear: { from: ['Ended', 'Aborted'], to: 'removed', substate: '', event: 'cleared' },
};

/** A verified job as the agent hands it over: its id on the OPC UA side, the order number, and the verified order's content. */
export interface JobOffer {
  readonly jobOrderId: string;
  readonly orderNumber: string;
  readonly content: unknown;
}

/** A job order as the machine sees it, with the results reported so far (cumulative). */
export interface JobOrder {
  readonly jobOrderId: string;
  readonly orderNumber: string;
  readonly content: unknown;
  readonly state: JobOrderState;
  readonly substate: JobOrderSubstate;
  readonly good: string;
  readonly scrap: string;
  readonly lots: readonly string[];
}

/** One accepted transition or result, handed to the agent before the machine is answered. Quantities are cumulative. */
export interface JobEvent {
  readonly jobOrderId: string;
  readonly orderNumber: string;
  readonly kind: JobEventKind;
  /** The state after the event ('Ended' after completed; the last state for cancelled and cleared). */
  readonly state: JobOrderState;
  readonly good: string;
  readonly scrap: string;
  readonly lots: readonly string[];
  /** The first text of the method's Comment argument, if any. */
  readonly comment: string | null;
}

/** Results as a machine reports them: cumulative good and scrap (decimal strings) and lots consumed. */
export interface ResultReport {
  readonly good: string;
  readonly scrap: string;
  readonly lots: readonly string[];
}

/** Why a call was refused: the job is not in the list, the state does not allow it, or an argument is malformed or out of range. */
export type RefusalReason = 'unknown-job' | 'illegal-transition' | 'invalid-argument' | 'out-of-range';

/** What a call would do: the job after it (null when it leaves the list) and the event to emit, or a refusal. */
export type JobPlan =
  | { readonly ok: true; readonly jobOrderId: string; readonly next: JobOrder | null; readonly event: JobEvent | null }
  | { readonly ok: false; readonly reason: RefusalReason; readonly message: string };

/** Job order ids are used in OPC UA string NodeIds, so they stay short and plain. */
export const JOB_ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const LOT_PATTERN = /^[\x21-\x7e]{1,64}$/;
const MAX_LOTS = 200;

/** Thrown by {@link JobOrderBook.offer} for an offer that cannot be shown to a machine (a programming error in the caller). */
export class JobOfferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobOfferError';
  }
}

/** The job order list and its state machine: plain data in, plans out, nothing else. */
export class JobOrderBook {
  readonly #jobs = new Map<string, JobOrder>();

  /** Puts a verified job in AllowedToStart/Ready. Answers false (and changes nothing) for an id already in the list. */
  offer(job: JobOffer): boolean {
    if (!JOB_ORDER_ID_PATTERN.test(job.jobOrderId)) throw new JobOfferError(`job order id ${JSON.stringify(job.jobOrderId)} must be 1-64 letters, digits, '.', '_', ':' or '-'`);
    if (typeof job.orderNumber !== 'string' || job.orderNumber.length === 0) throw new JobOfferError('a job needs its order number');
    if (this.#jobs.has(job.jobOrderId)) return false;
    this.#jobs.set(job.jobOrderId, { ...job, state: 'AllowedToStart', substate: 'Ready', good: '0', scrap: '0', lots: [] });
    return true;
  }

  /** The job with this id, if it is in the list. */
  get(jobOrderId: string): JobOrder | undefined {
    return this.#jobs.get(jobOrderId);
  }

  /** Every job in the list, in the order they were offered. */
  list(): readonly JobOrder[] {
    return [...this.#jobs.values()];
  }

  /** What `command` on `jobOrderId` would do, without doing it. */
  planCommand(command: JobCommand, jobOrderId: string, comment: string | null): JobPlan {
    const job = this.#jobs.get(jobOrderId);
    if (!job) return unknownJob(jobOrderId);
    const transition = TRANSITIONS[command];
    if (!transition.from.includes(job.state)) {
      return { ok: false, reason: 'illegal-transition', message: `${command} is not allowed while job ${jobOrderId} is ${job.state}` };
    }
    const next: JobOrder | null =
      transition.to === 'removed' ? null : transition.to === 'same' ? job : { ...job, state: transition.to, substate: transition.substate };
    const event = transition.event === null ? null : eventFor(next ?? job, transition.event, comment);
    return { ok: true, jobOrderId, next, event };
  }

  /** What a results report would do: refused when quantities are malformed or go down; no event when nothing changed. */
  planResults(jobOrderId: string, report: ResultReport): JobPlan {
    const job = this.#jobs.get(jobOrderId);
    if (!job) return unknownJob(jobOrderId);
    if (!ACTIVE.includes(job.state)) {
      return { ok: false, reason: 'illegal-transition', message: `results are taken only while a job runs; job ${jobOrderId} is ${job.state}` };
    }
    for (const [name, value] of [['GoodQuantity', report.good], ['ScrapQuantity', report.scrap]] as const) {
      if (!DECIMAL_PATTERN.test(value)) return { ok: false, reason: 'invalid-argument', message: `${name} must be a decimal string such as "12.5"` };
      if (value.startsWith('-')) return { ok: false, reason: 'out-of-range', message: `${name} must not be negative` };
    }
    if (compareDecimals(report.good, job.good) < 0 || compareDecimals(report.scrap, job.scrap) < 0) {
      return { ok: false, reason: 'out-of-range', message: `quantities are cumulative and may not go down (now good ${job.good}, scrap ${job.scrap})` };
    }
    const badLot = report.lots.find((lot) => !LOT_PATTERN.test(lot));
    if (badLot !== undefined) return { ok: false, reason: 'invalid-argument', message: 'a material lot must be 1-64 printable ASCII characters without spaces' };
    const lots = [...new Set([...job.lots, ...report.lots])];
    if (lots.length > MAX_LOTS) return { ok: false, reason: 'out-of-range', message: `a job records at most ${MAX_LOTS} material lots` };
    const next: JobOrder = { ...job, good: normalizeDecimal(report.good), scrap: normalizeDecimal(report.scrap), lots };
    const changed = next.good !== job.good || next.scrap !== job.scrap || lots.length !== job.lots.length;
    // A resent report changes nothing and is not announced again (the agent's idempotency key covers the rest).
    return { ok: true, jobOrderId, next, event: changed ? eventFor(next, 'progress', null) : null };
  }

  /** Applies a plan that `planCommand` or `planResults` answered ok. */
  commit(plan: Extract<JobPlan, { ok: true }>): void {
    if (plan.next === null) this.#jobs.delete(plan.jobOrderId);
    else this.#jobs.set(plan.jobOrderId, plan.next);
  }
}

function unknownJob(jobOrderId: string): JobPlan {
  return { ok: false, reason: 'unknown-job', message: `job order ${JSON.stringify(jobOrderId.slice(0, 64))} is not one the agent has verified and offered` };
}

function eventFor(job: JobOrder, kind: JobEventKind, comment: string | null): JobEvent {
  return { jobOrderId: job.jobOrderId, orderNumber: job.orderNumber, kind, state: job.state, good: job.good, scrap: job.scrap, lots: job.lots, comment };
}
