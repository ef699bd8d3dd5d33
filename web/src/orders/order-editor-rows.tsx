/** The editor's repeated rows: operations, materials and setpoints, each added and removed by button. */
import { TextField } from '../components/text-field';
import type { MaterialRow, OperationRow, SetpointRow } from './order-form';

/** Replaces row `index` of `rows` with `row`. */
function replaced<T>(rows: readonly T[], index: number, row: T): T[] {
  return rows.map((current, at) => (at === index ? row : current));
}

/** The routing: at least one operation. */
export function OperationRows(props: { readonly rows: readonly OperationRow[]; readonly onChange: (rows: readonly OperationRow[]) => void }) {
  const { rows, onChange } = props;
  const nextSeq = String((Math.max(0, ...rows.map((row) => Number(row.seq) || 0)) + 10));
  return (
    <section className="card stack" aria-labelledby="operations-heading">
      <h2 id="operations-heading">Operations</h2>
      {rows.map((row, index) => (
        <fieldset key={index} className="row-fieldset">
          <legend>Operation {index + 1}</legend>
          <div className="field-grid">
            <TextField label="Seq" value={row.seq} onValueChange={(seq) => onChange(replaced(rows, index, { ...row, seq }))} inputMode="numeric" autoComplete="off" />
            <TextField label="Code" value={row.code} onValueChange={(code) => onChange(replaced(rows, index, { ...row, code }))} autoComplete="off" spellCheck={false} />
            <TextField label="Description" value={row.description} onValueChange={(description) => onChange(replaced(rows, index, { ...row, description }))} autoComplete="off" />
          </div>
          <button type="button" className="button button-small" onClick={() => onChange(rows.filter((_, at) => at !== index))}>
            Remove operation {index + 1}
          </button>
        </fieldset>
      ))}
      <button type="button" className="button" onClick={() => onChange([...rows, { seq: nextSeq, code: '', description: '' }])}>
        Add operation
      </button>
    </section>
  );
}

/** The bill of materials. */
export function MaterialRows(props: { readonly rows: readonly MaterialRow[]; readonly onChange: (rows: readonly MaterialRow[]) => void }) {
  const { rows, onChange } = props;
  const nextLine = String(Math.max(0, ...rows.map((row) => Number(row.line) || 0)) + 1);
  return (
    <section className="card stack" aria-labelledby="materials-heading">
      <h2 id="materials-heading">Materials</h2>
      {rows.length === 0 && <p className="muted">No materials yet.</p>}
      {rows.map((row, index) => (
        <fieldset key={index} className="row-fieldset">
          <legend>Material {index + 1}</legend>
          <div className="field-grid">
            <TextField label="Line" value={row.line} onValueChange={(line) => onChange(replaced(rows, index, { ...row, line }))} inputMode="numeric" autoComplete="off" />
            <TextField label="Item code" value={row.itemCode} onValueChange={(itemCode) => onChange(replaced(rows, index, { ...row, itemCode }))} autoComplete="off" spellCheck={false} />
            <TextField label="Quantity" value={row.quantity} onValueChange={(quantity) => onChange(replaced(rows, index, { ...row, quantity }))} inputMode="decimal" autoComplete="off" />
            <TextField label="Unit" value={row.unit} onValueChange={(unit) => onChange(replaced(rows, index, { ...row, unit }))} autoComplete="off" spellCheck={false} />
            <TextField label="For operation seq" hint="Optional" value={row.operationSeq} onValueChange={(operationSeq) => onChange(replaced(rows, index, { ...row, operationSeq }))} inputMode="numeric" autoComplete="off" />
            <div className="field field-check">
              <label>
                <input type="checkbox" checked={row.lotTracked} onChange={(event) => onChange(replaced(rows, index, { ...row, lotTracked: event.target.checked }))} /> Lot tracked
              </label>
            </div>
          </div>
          <button type="button" className="button button-small" onClick={() => onChange(rows.filter((_, at) => at !== index))}>
            Remove material {index + 1}
          </button>
        </fieldset>
      ))}
      <button type="button" className="button" onClick={() => onChange([...rows, { line: nextLine, itemCode: '', quantity: '', unit: '', lotTracked: false, operationSeq: '' }])}>
        Add material
      </button>
    </section>
  );
}

/** The recipe's setpoints (confidential). */
export function SetpointRows(props: { readonly rows: readonly SetpointRow[]; readonly onChange: (rows: readonly SetpointRow[]) => void }) {
  const { rows, onChange } = props;
  return (
    <div className="stack">
      {rows.map((row, index) => (
        <fieldset key={index} className="row-fieldset">
          <legend>Setpoint {index + 1}</legend>
          <div className="field-grid">
            <TextField label="Name" value={row.name} onValueChange={(name) => onChange(replaced(rows, index, { ...row, name }))} autoComplete="off" spellCheck={false} />
            <TextField label="Value" value={row.value} onValueChange={(value) => onChange(replaced(rows, index, { ...row, value }))} inputMode="decimal" autoComplete="off" />
            <TextField label="Unit" hint="Optional" value={row.unit} onValueChange={(unit) => onChange(replaced(rows, index, { ...row, unit }))} autoComplete="off" spellCheck={false} />
          </div>
          <button type="button" className="button button-small" onClick={() => onChange(rows.filter((_, at) => at !== index))}>
            Remove setpoint {index + 1}
          </button>
        </fieldset>
      ))}
      <button type="button" className="button" onClick={() => onChange([...rows, { name: '', value: '', unit: '' }])}>
        Add setpoint
      </button>
    </div>
  );
}
