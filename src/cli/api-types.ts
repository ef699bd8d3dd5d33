/**
 * The shapes of the API's answers as the CLI reads them (the contract of
 * /api/v1). Orders and the access views use the server's own types; the rest are declared here,
 * each with only the fields the CLI presents.
 */
export type { OrderDetail, OrderRecord, OrderRevisionRecord } from '../domain/index.js';
// The access views are sent field by field as the services declare them (src/server/access-presenters.ts).
export type {
  ApiTokenView, CreatedApiToken as ApiTokenCreated, MfaEnrolment as MfaEnrolmentView, MfaStatus as MfaStatusView, SessionView,
} from '../access/index.js';

/** `POST /api/v1/sessions`. */
export interface SessionCreated {
  readonly token: string;
  readonly expiresAt: string;
  readonly passwordChangeRequired?: boolean;
  /** A role of the user requires a second factor they have not enrolled yet (`forgeline mfa enroll`). */
  readonly mfaEnrollmentRequired?: boolean;
}

/** A role held by a user, optionally limited to a plant node and its descendants. */
export interface RoleView {
  readonly role: string;
  readonly scopeNodeId: string | null;
}

/** A user as `GET /api/v1/users` lists them. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly passwordMustChange: boolean;
  /** A second factor (TOTP) is enrolled (older servers leave it out). */
  readonly mfaEnabled?: boolean;
  readonly roles: readonly RoleView[];
  readonly createdAt: string;
}

/** `GET /api/v1/users/me`: the user, and whether they must still enrol a second factor. */
export interface OwnUserView extends UserView {
  readonly mfaEnrollmentRequired?: boolean;
}

/** A node of the equipment hierarchy. */
export interface PlantNodeView {
  readonly id: string;
  readonly kind: string;
  readonly code: string;
  readonly name: string;
  readonly parentId: string | null;
  readonly path: readonly string[];
}

/** `POST /api/v1/plant/import`. */
export interface PlantImportResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly nodes: readonly PlantNodeView[];
}

/** An item (material or product) at one revision. */
export interface ItemView {
  readonly id: string;
  readonly code: string;
  readonly revision: string;
  readonly description: string;
  readonly unit: string;
  readonly createdAt: string;
}

/** An entry of the audit log. */
export interface AuditEntryView {
  readonly index: number;
  readonly at: string;
  readonly actorId: string | null;
  readonly actor: string | null;
  readonly source: string | null;
  readonly kind: string;
  readonly outcome: string;
  readonly orderId: string | null;
  readonly revision: number | null;
  readonly hashBefore: string | null;
  readonly hashAfter: string | null;
  readonly detail: unknown;
  readonly leafHash: string;
}

/** A list answer. */
export interface ItemsPage<T> {
  readonly items: readonly T[];
}

/** `GET /api/v1/orders`: a page and the cursor of the next one. */
export interface CursorPage<T> extends ItemsPage<T> {
  readonly nextCursor: string | null;
}

/** `GET /api/v1/audit/entries`: a page and the index to continue after. */
export interface AuditPage extends ItemsPage<AuditEntryView> {
  /** Where a page in log order goes on (`--after`). */
  readonly nextAfter: number | null;
  /** Where a page newest first goes on (`--before`); absent from servers older than `order=desc`. */
  readonly nextBefore?: number | null;
}

/** Recovery codes, shown this once (`confirm` also says since when MFA is on). */
export interface RecoveryCodesView {
  readonly recoveryCodes: readonly string[];
  readonly enabledAt?: string;
}

/** The site access policy (`GET /api/v1/policy`); settings are shown by name, so new ones need no change here. */
export type SitePolicyView = Readonly<Record<string, unknown>>;

/** `PATCH /api/v1/policy`: the policy in force and the users whose roles it now puts in conflict. */
export interface PolicyChangeView {
  readonly policy: SitePolicyView;
  readonly conflicts: readonly { readonly userId: string; readonly username: string; readonly reason: string }[];
}
