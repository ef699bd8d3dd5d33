/**
 * The progress report of a running order: the operation, good and scrap quantities, and the
 * material lots consumed. What the operator types is sent as typed: the server checks it (the
 * same rules as for devices) and its message is shown when it refuses.
 */
import { useId, useState, type FormEvent } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { orderCommand } from './floor-api';
import type { OrderDetail } from './floor-types';

/** One lot row as typed. */
interface LotRow {
  readonly key: number;
  readonly materialLine: string;
  readonly lot: string;
  readonly quantity: string;
}

let lotKeys = 0;

/** Reports progress on `order`; `onReported` gets the order as the server holds it after the report. */
export function ProgressForm(props: { readonly order: OrderDetail; readonly onReported: (order: OrderDetail) => void; readonly onCancel: () => void }) {
  const { order } = props;
  const operations = order.content.operations;
  const materials = order.content.materials;
  const operationId = useId();
  const [operationSeq, setOperationSeq] = useState(String(operations.at(-1)?.seq ?? ''));
  const [good, setGood] = useState('');
  const [scrap, setScrap] = useState('0');
  const [lots, setLots] = useState<readonly LotRow[]>([]);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);

  const updateLot = (key: number, change: Partial<LotRow>) => setLots((rows) => rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  const addLot = () => {
    lotKeys += 1;
    setLots((rows) => [...rows, { key: lotKeys, materialLine: String(materials[0]?.line ?? ''), lot: '', quantity: '' }]);
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      const body = {
        version: order.version,
        operationSeq: Number(operationSeq),
        good: good.trim(),
        scrap: scrap.trim(),
        lots: lots.map((row) => ({ materialLine: Number(row.materialLine), lot: row.lot.trim(), quantity: row.quantity.trim() })),
      };
      const after = await orderCommand(order.id, 'progress', body);
      setMessage(`Reported ${body.good} good and ${body.scrap} scrap on operation ${body.operationSeq}.`);
      setGood('');
      setScrap('0');
      setLots([]);
      props.onReported(after);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form floor-progress-form" aria-label={`Report progress on ${order.number}`} onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor={operationId}>Operation</label>
        <select id={operationId} className="input" value={operationSeq} onChange={(event) => setOperationSeq(event.target.value)}>
          {operations.map((operation) => (
            <option key={operation.seq} value={operation.seq}>
              {operation.seq} · {operation.code}: {operation.description}
            </option>
          ))}
        </select>
      </div>
      <div className="floor-quantity-pair">
        <TextField label="Good quantity" value={good} onValueChange={setGood} inputMode="decimal" autoComplete="off" />
        <TextField label="Scrap quantity" value={scrap} onValueChange={setScrap} inputMode="decimal" autoComplete="off" />
      </div>
      <fieldset className="floor-lots">
        <legend>Material lots consumed</legend>
        {lots.length === 0 && <p className="muted">No lots added.</p>}
        {lots.map((row, index) => (
          <LotFields
            key={row.key}
            index={index + 1}
            row={row}
            materials={materials}
            onChange={(change) => updateLot(row.key, change)}
            onRemove={() => setLots((rows) => rows.filter((candidate) => candidate.key !== row.key))}
          />
        ))}
        {materials.length > 0 && (
          <button type="button" className="button" onClick={addLot}>
            Add lot
          </button>
        )}
      </fieldset>
      <ErrorAlert error={error} />
      <StatusMessage>{message}</StatusMessage>
      <div className="actions">
        <button type="submit" className="button button-primary floor-button-large" disabled={busy}>
          Send report
        </button>
        <button type="button" className="button floor-button-large" onClick={props.onCancel}>
          Close
        </button>
      </div>
    </form>
  );
}

/** One lot: which material line, the lot number, and how much of it. */
function LotFields(props: {
  readonly index: number;
  readonly row: LotRow;
  readonly materials: OrderDetail['content']['materials'];
  readonly onChange: (change: Partial<LotRow>) => void;
  readonly onRemove: () => void;
}) {
  const materialId = useId();
  const { row, index } = props;
  return (
    <div className="floor-lot-row" role="group" aria-label={`Lot ${index}`}>
      <div className="field">
        <label htmlFor={materialId}>Lot {index} material</label>
        <select id={materialId} className="input" value={row.materialLine} onChange={(event) => props.onChange({ materialLine: event.target.value })}>
          {props.materials.map((material) => (
            <option key={material.line} value={material.line}>
              Line {material.line}: {material.itemCode} ({material.quantity.value} {material.quantity.unit})
            </option>
          ))}
        </select>
      </div>
      <TextField label={`Lot ${index} number`} value={row.lot} onValueChange={(lot) => props.onChange({ lot })} autoComplete="off" autoCapitalize="characters" spellCheck={false} />
      <TextField label={`Lot ${index} quantity`} value={row.quantity} onValueChange={(quantity) => props.onChange({ quantity })} inputMode="decimal" autoComplete="off" />
      <button type="button" className="button" onClick={props.onRemove}>
        Remove lot {index}
      </button>
    </div>
  );
}
