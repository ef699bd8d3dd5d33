import { z } from 'zod';
import { quantitySchema, decimalSchema, unitSchema } from './quantity.js';
import { code, idSchema, text, timestampSchema } from './text.js';

/** Order priorities, lowest first. */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** One of {@link PRIORITIES}. */
export type Priority = (typeof PRIORITIES)[number];

/** One step of the routing. */
export const operationSchema = z.strictObject({
  seq: z.number().int().min(1).max(9999),
  code: code(32),
  description: text(200),
  workUnitId: idSchema.optional(),
  setupMinutes: decimalSchema.optional(),
  runMinutesPerUnit: decimalSchema.optional(),
});

/** One bill-of-materials line. */
export const materialSchema = z.strictObject({
  line: z.number().int().min(1).max(9999),
  itemCode: code(64),
  itemRevision: code(16).optional(),
  quantity: quantitySchema,
  lotTracked: z.boolean(),
  operationSeq: z.number().int().min(1).max(9999).optional(),
});

/** A setpoint of the recipe: confidential. */
export const setpointSchema = z.strictObject({
  name: code(64),
  value: decimalSchema,
  unit: unitSchema.optional(),
});

/** The recipe and setpoints: the plant's intellectual property, encrypted at rest and shown only to roles that need them. */
export const parametersSchema = z.strictObject({
  recipe: text(64).nullable(),
  setpoints: z.array(setpointSchema).max(500),
});

/** A file attached by content hash (the bytes live elsewhere). */
export const attachmentSchema = z.strictObject({
  name: text(200),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256'),
  mediaType: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/, 'must be a media type such as application/pdf'),
  size: z.number().int().min(0).max(10 * 1024 ** 3),
});

const dueWindowSchema = z
  .strictObject({ start: timestampSchema, end: timestampSchema })
  .refine((window) => Date.parse(window.start) <= Date.parse(window.end), 'start must not be after end');

const orderContentShape = {
  number: code(64),
  item: z.strictObject({ code: code(64), revision: code(16) }),
  quantity: quantitySchema,
  dueWindow: dueWindowSchema,
  priority: z.enum(PRIORITIES),
  workCenterId: idSchema,
  operations: z.array(operationSchema).min(1).max(200),
  materials: z.array(materialSchema).max(1000),
  parameters: parametersSchema,
  customerReference: text(120).nullable(),
  attachments: z.array(attachmentSchema).max(100),
  notes: text(4000).nullable(),
};

function uniqueBy<T>(rows: readonly T[], key: (row: T) => number): boolean {
  return new Set(rows.map(key)).size === rows.length;
}

interface RoutingAndMaterials {
  operations: readonly { seq: number }[];
  materials: readonly { line: number; operationSeq?: number | undefined }[];
}

/** Adds the rules that span fields (unique seq and line numbers, materials pointing at real operations). */
function withContentRules<S extends z.ZodType<RoutingAndMaterials>>(schema: S) {
  return schema
    .refine((order) => uniqueBy(order.operations, (operation) => operation.seq), {
      message: 'operation seq numbers must be unique',
      path: ['operations'],
    })
    .refine((order) => uniqueBy(order.materials, (material) => material.line), {
      message: 'material line numbers must be unique',
      path: ['materials'],
    })
    .refine(
      (order) => order.materials.every((m) => m.operationSeq === undefined || order.operations.some((o) => o.seq === m.operationSeq)),
      { message: 'a material names an operation seq that the routing does not have', path: ['materials'] },
    );
}

/**
 * The full content of a revision of a production order: what to make, how much, by when and how.
 * Its canonical JSON (RFC 8785) hashes to the revision's content hash.
 */
export const orderContentSchema = withContentRules(z.strictObject(orderContentShape));

/** A parsed, normalised order content. */
export type OrderContent = z.infer<typeof orderContentSchema>;

const orderDraftInputShape = {
  ...orderContentShape,
  priority: orderContentShape.priority.default('normal'),
  materials: orderContentShape.materials.default([]),
  parameters: parametersSchema.default({ recipe: null, setpoints: [] }),
  customerReference: orderContentShape.customerReference.default(null),
  attachments: orderContentShape.attachments.default([]),
  notes: orderContentShape.notes.default(null),
};

/** What a client sends to create an order: content where lists and confidential fields may be left out. */
export const orderDraftInputSchema = withContentRules(z.strictObject(orderDraftInputShape));

/** A parsed create request. */
export type OrderDraftInput = z.infer<typeof orderDraftInputSchema>;

/** An edit of a draft: any top-level field except the number, replacing the field whole; the merged content is checked again whole. */
export const orderEditSchema = z.strictObject(orderContentShape).omit({ number: true }).partial();

/** A parsed edit. */
export type OrderEdit = z.infer<typeof orderEditSchema>;

/** The names of the confidential fields of {@link OrderContent}. */
export const CONFIDENTIAL_FIELDS = ['parameters', 'customerReference'] as const;

/** One of {@link CONFIDENTIAL_FIELDS}. */
export type ConfidentialField = (typeof CONFIDENTIAL_FIELDS)[number];

/** Splits content into its public part and its confidential part, as they are stored. */
export function splitConfidential(content: OrderContent): {
  readonly publicPart: Omit<OrderContent, (typeof CONFIDENTIAL_FIELDS)[number]>;
  readonly confidentialPart: Pick<OrderContent, (typeof CONFIDENTIAL_FIELDS)[number]>;
} {
  const { parameters, customerReference, ...publicPart } = content;
  return { publicPart, confidentialPart: { parameters, customerReference } };
}
