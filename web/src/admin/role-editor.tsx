/** The roles of a user as rows of role and scope, added and removed as the admin edits them. */
import { roleName } from '../format';
import { ROLES, type Role, type RoleAssignment } from '../types';
import type { PlantNode } from './admin-types';
import { SelectField } from './select-field';
import { nodeLabel } from './use-plant';

/** The scope value of a row that holds enterprise-wide (no plant node id looks like it). */
const ENTERPRISE = '*';

/** One row being edited; `key` keeps React's rows apart when one is removed. */
export interface RoleRow {
  readonly key: number;
  /** The role, or '' until the admin chooses one. */
  readonly role: Role | '';
  /** A plant node id, {@link ENTERPRISE} for the whole enterprise, or '' until the admin chooses. */
  readonly scope: string;
}

let nextKey = 1;

/** A row holding `assignment`'s role and scope, or, without one, a row with neither chosen yet. */
export function roleRow(assignment?: RoleAssignment): RoleRow {
  nextKey += 1;
  if (assignment === undefined) return { key: nextKey, role: '', scope: '' };
  return { key: nextKey, role: assignment.role, scope: assignment.scopeNodeId ?? ENTERPRISE };
}

/** Whether every row has its role and scope chosen (a new row starts with neither, so nothing is granted by default). */
export function rowsComplete(rows: readonly RoleRow[]): boolean {
  return rows.every((row) => row.role !== '' && row.scope !== '');
}

/** The complete rows as the API takes them, each role-and-scope once. */
export function assignmentsOf(rows: readonly RoleRow[]): { role: Role; scopeNodeId: string | null }[] {
  const seen = new Set<string>();
  const assignments: { role: Role; scopeNodeId: string | null }[] = [];
  for (const row of rows) {
    if (row.role === '' || row.scope === '') continue;
    const id = `${row.role}@${row.scope}`;
    if (seen.has(id)) continue;
    seen.add(id);
    assignments.push({ role: row.role, scopeNodeId: row.scope === ENTERPRISE ? null : row.scope });
  }
  return assignments;
}

const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: roleName(role) }));

/** Edits `rows`; every row needs a role and a scope (the whole enterprise or one plant node), both chosen by the admin. */
export function RoleEditor(props: { readonly rows: readonly RoleRow[]; readonly nodes: readonly PlantNode[]; readonly onChange: (rows: readonly RoleRow[]) => void }) {
  const scopeOptions = [{ value: ENTERPRISE, label: 'Enterprise-wide' }, ...props.nodes.map((node) => ({ value: node.id, label: nodeLabel(node) }))];
  const update = (key: number, change: Partial<Omit<RoleRow, 'key'>>) => props.onChange(props.rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <div className="stack admin-roles">
      <p className="field-hint">A role in a plant node holds in that node and every node below it. Approvers, quality, auditors and administrators must set up a second factor.</p>
      {props.rows.map((row, index) => (
        <fieldset key={row.key} className="admin-role-row">
          <legend>Role {index + 1}</legend>
          <SelectField
            label="Role"
            value={row.role}
            options={row.role === '' ? [{ value: '', label: 'Choose a role' }, ...ROLE_OPTIONS] : ROLE_OPTIONS}
            onValueChange={(value) => update(row.key, { role: value as Role | '' })}
            required
          />
          <SelectField
            label="Scope"
            value={row.scope}
            options={row.scope === '' ? [{ value: '', label: 'Choose a scope' }, ...scopeOptions] : scopeOptions}
            onValueChange={(value) => update(row.key, { scope: value })}
            required
          />
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
