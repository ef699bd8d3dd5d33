/** The roles of a user as rows of role and scope, added and removed as the admin edits them. */
import { roleName } from '../format';
import { ROLES, type Role, type RoleAssignment } from '../types';
import type { PlantNode } from './admin-types';
import { SelectField } from './select-field';
import { nodeLabel } from './use-plant';

/** One row being edited; `key` keeps React's rows apart when one is removed. */
export interface RoleRow {
  readonly key: number;
  readonly role: Role;
  /** A plant node id, or '' for the whole enterprise. */
  readonly scope: string;
}

let nextKey = 1;

/** A new row: `assignment`'s role and scope, or an operator enterprise-wide. */
export function roleRow(assignment?: RoleAssignment): RoleRow {
  nextKey += 1;
  return { key: nextKey, role: assignment?.role ?? 'operator', scope: assignment?.scopeNodeId ?? '' };
}

/** The rows as the API takes them, each role-and-scope once. */
export function assignmentsOf(rows: readonly RoleRow[]): { role: Role; scopeNodeId: string | null }[] {
  const seen = new Set<string>();
  const assignments: { role: Role; scopeNodeId: string | null }[] = [];
  for (const row of rows) {
    const id = `${row.role}@${row.scope}`;
    if (seen.has(id)) continue;
    seen.add(id);
    assignments.push({ role: row.role, scopeNodeId: row.scope === '' ? null : row.scope });
  }
  return assignments;
}

const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: roleName(role) }));

/** Edits `rows`; every row has a role and a scope (the whole enterprise or one plant node). */
export function RoleEditor(props: { readonly rows: readonly RoleRow[]; readonly nodes: readonly PlantNode[]; readonly onChange: (rows: readonly RoleRow[]) => void }) {
  const scopeOptions = [{ value: '', label: 'Enterprise-wide' }, ...props.nodes.map((node) => ({ value: node.id, label: nodeLabel(node) }))];
  const update = (key: number, change: Partial<Omit<RoleRow, 'key'>>) => props.onChange(props.rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <div className="stack admin-roles">
      <p className="field-hint">A role in a plant node holds in that node and every node below it. Approvers, quality, auditors and administrators must set up a second factor.</p>
      {props.rows.map((row, index) => (
        <fieldset key={row.key} className="admin-role-row">
          <legend>Role {index + 1}</legend>
          <SelectField label="Role" value={row.role} options={ROLE_OPTIONS} onValueChange={(value) => update(row.key, { role: value as Role })} />
          <SelectField label="Scope" value={row.scope} options={scopeOptions} onValueChange={(value) => update(row.key, { scope: value })} />
          {props.rows.length > 1 && (
            <button type="button" className="button" aria-label={`Remove role ${index + 1}`} onClick={() => props.onChange(props.rows.filter((other) => other.key !== row.key))}>
              Remove
            </button>
          )}
        </fieldset>
      ))}
      <button type="button" className="button" onClick={() => props.onChange([...props.rows, roleRow()])}>
        Add a role
      </button>
    </div>
  );
}
