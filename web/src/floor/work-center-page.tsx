/** The operator's work-center board for a shop-floor tablet: pick the work center (when several), then its orders, live. */
import { useEffect, useId, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { useSignedInUser } from '../session-context';
import { fetchWorkCenters } from './floor-api';
import type { PlantNode } from './floor-types';
import { OrderBoard } from './order-board';
import { workCentersFor } from './work-centers';
import './floor.css';

/** The board of the operator's work center(s). */
export function WorkCenterPage() {
  const user = useSignedInUser();
  const [centers, setCenters] = useState<readonly PlantNode[]>();
  const [selected, setSelected] = useState<string>();
  const [error, setError] = useState<unknown>();
  const selectId = useId();
  const current = centers?.find((center) => center.id === selected);
  usePageTitle(current === undefined ? 'Work center' : `Work center ${current.name}`);

  useEffect(() => {
    let cancelled = false;
    fetchWorkCenters().then(
      (nodes) => {
        if (cancelled) return;
        const mine = workCentersFor(nodes, user.roles, 'operator');
        setCenters(mine);
        setSelected((previous) => previous ?? mine[0]?.id);
      },
      (failure: unknown) => {
        if (!cancelled) setError(failure);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [user.roles]);

  return (
    <div className="stack floor">
      <h1>{current === undefined ? 'Work center' : `Work center ${current.name}`}</h1>
      <ErrorAlert error={error} />
      {centers === undefined && error === undefined && <p className="muted">Loading…</p>}
      {centers !== undefined && centers.length === 0 && <p>No work center is assigned to you as an operator. Ask an administrator for one.</p>}
      {centers !== undefined && centers.length > 1 && (
        <div className="field floor-field-inline">
          <label htmlFor={selectId}>Work center</label>
          <select id={selectId} className="input floor-input-large" value={selected} onChange={(event) => setSelected(event.target.value)}>
            {centers.map((center) => (
              <option key={center.id} value={center.id}>
                {center.name} ({center.code})
              </option>
            ))}
          </select>
        </div>
      )}
      {current !== undefined && <OrderBoard key={current.id} workCenterId={current.id} workCenterName={current.name} />}
    </div>
  );
}
