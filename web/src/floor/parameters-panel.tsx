/**
 * The recipe and setpoints of an order on the floor, fetched only when the operator asks (each
 * such read is audited) and shown exactly as the API gives them: nothing when it gives none.
 */
import { useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { fetchOrder } from './floor-api';
import type { OrderDetail, Parameters } from './floor-types';

/** A "Show setpoints" button, then the recipe and setpoints the API included for this reader. */
export function ParametersPanel(props: { readonly order: OrderDetail }) {
  const [parameters, setParameters] = useState<Parameters | null>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const headingId = `parameters-${props.order.id}`;

  const show = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const detail = await fetchOrder(props.order.id, true);
      setParameters(detail.content.parameters ?? null);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="floor-parameters" aria-labelledby={headingId}>
      <h3 id={headingId}>Setpoints</h3>
      <ErrorAlert error={error} />
      {parameters === undefined && (
        <button type="button" className="button" disabled={busy} onClick={() => void show()}>
          Show setpoints
        </button>
      )}
      {parameters === null && <p className="muted">No setpoints are visible to your role.</p>}
      {parameters != null && (
        <>
          <p>Recipe: {parameters.recipe ?? 'none'}</p>
          {parameters.setpoints.length === 0 ? (
            <p className="muted">No setpoints.</p>
          ) : (
            <table className="floor-table">
              <caption className="visually-hidden">Setpoints of order {props.order.number}</caption>
              <thead>
                <tr>
                  <th scope="col">Setpoint</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {parameters.setpoints.map((setpoint) => (
                  <tr key={setpoint.name}>
                    <th scope="row">{setpoint.name}</th>
                    <td>
                      {setpoint.value}
                      {setpoint.unit === undefined ? '' : ` ${setpoint.unit}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button type="button" className="button" onClick={() => setParameters(undefined)}>
            Hide setpoints
          </button>
        </>
      )}
    </section>
  );
}
