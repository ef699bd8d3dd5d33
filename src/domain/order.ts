import { z } from 'zod';
import type { OrderState } from './lifecycle.js';
import type { ConfidentialField, OrderContent, Priority } from './order-content.js';
import { code, text } from './text.js';
import { nonNegativeDecimalSchema, positiveDecimalSchema } from './quantity.js';

/** The current state of an order as the system of record holds it (no content). */
export interface OrderRecord {
  readonly id: string;
  readonly number: string;
  readonly siteId: string;
  readonly workCenterId: string;
  readonly state: OrderState;
  readonly heldFrom: OrderState | null;
  /** The content revision: bumped by every edit; released revisions are immutable. */
  readonly revision: number;
  /** The optimistic-concurrency version: bumped by every change of any kind. */
  readonly version: number;
  readonly contentHash: string;
  readonly priority: Priority;
  readonly dueEnd: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly goodQuantity: string;
  readonly scrapQuantity: string;
  readonly unit: string;
}

/** An electronic signature: who signed which exact revision, meaning what, when. */
export interface ElectronicSignature {
  readonly signerId: string;
  readonly signer: string;
  /** The command signed: release, cancel, unhold or close. */
  readonly action: string;
  readonly meaning: string;
  readonly revision: number;
  readonly contentHash: string;
  readonly signedAt: string;
}

/** A lot of material consumed, for genealogy. */
export const lotConsumptionSchema = z.strictObject({
  materialLine: z.number().int().min(1).max(9999),
  lot: code(64),
  quantity: positiveDecimalSchema,
});

/** A progress report from the shop floor. */
export interface ProgressReport {
  readonly seq: number;
  readonly operationSeq: number;
  readonly good: string;
  readonly scrap: string;
  readonly lots: readonly z.infer<typeof lotConsumptionSchema>[];
  readonly reportedBy: string;
  readonly reportedAt: string;
}

/** An order with its current revision's content, signatures and progress. */
export interface OrderDetail extends OrderRecord {
  /** The content; confidential fields are present only when the reader may see them. */
  readonly content: Partial<OrderContent>;
  /** Whether any confidential field was asked for and is included. */
  readonly confidentialIncluded: boolean;
  /** The confidential fields included (those of the reader's roles); the others were left out. */
  readonly confidentialFields: readonly ConfidentialField[];
  readonly signatures: readonly ElectronicSignature[];
  readonly progress: readonly ProgressReport[];
}

/** A stored revision of an order. */
export interface OrderRevisionRecord {
  readonly revision: number;
  readonly contentHash: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

const versionField = { version: z.number().int().min(1) };
const noteField = { note: text(500).optional() };

/** The commands that are electronic signatures (cancel only once the order was released). */
export const SIGNED_COMMANDS = ['release', 'cancel', 'unhold', 'close'] as const;

/** One of {@link SIGNED_COMMANDS}. */
export type SignedCommand = (typeof SIGNED_COMMANDS)[number];

/** What each signature means unless the signer states otherwise. */
export const DEFAULT_SIGNATURE_MEANINGS: Readonly<Record<SignedCommand, string>> = {
  release: 'approved for production',
  cancel: 'cancelled after release',
  unhold: 'released from hold',
  close: 'production record reviewed and closed',
};

/**
 * The re-authentication of a signature: the password, the current TOTP code when the
 * signer has a second factor, and the meaning they state (a default per command).
 */
const signatureFields = {
  password: z.string().min(1).max(1024).optional(),
  totp: z.string().max(16).optional(),
  meaning: text(200).optional(),
};

/** The body of each order action, keyed by action. Every change names the version it was made against. */
export const actionInputSchemas = {
  submit: z.strictObject({ ...versionField, ...noteField }),
  release: z.strictObject({ ...versionField, ...signatureFields, password: z.string().min(1).max(1024) }),
  dispatch: z.strictObject({ ...versionField, ...noteField }),
  start: z.strictObject({ ...versionField, ...noteField }),
  pause: z.strictObject({ ...versionField, ...noteField }),
  resume: z.strictObject({ ...versionField, ...noteField }),
  progress: z.strictObject({
    ...versionField,
    operationSeq: z.number().int().min(1).max(9999),
    good: nonNegativeDecimalSchema,
    scrap: nonNegativeDecimalSchema.default('0'),
    lots: z.array(lotConsumptionSchema).max(200).default([]),
  }),
  complete: z.strictObject({ ...versionField, ...noteField }),
  close: z.strictObject({ ...versionField, ...noteField, ...signatureFields }),
  hold: z.strictObject({ ...versionField, reason: text(500) }),
  unhold: z.strictObject({ ...versionField, ...noteField, ...signatureFields }),
  cancel: z.strictObject({ ...versionField, reason: text(500), ...signatureFields }),
} as const;

/** The actions reachable at `POST /api/v1/orders/{id}/{action}`. */
export type OrderCommand = keyof typeof actionInputSchemas;

/** The names of {@link actionInputSchemas}, for routing. */
export const ORDER_COMMANDS = Object.keys(actionInputSchemas) as OrderCommand[];

/** The parsed body of a command. */
export type OrderCommandInput<C extends OrderCommand> = z.output<(typeof actionInputSchemas)[C]>;
