/** Orders by state per work center: one row per work center, one column per state. */
import { Fragment } from 'react';
import { stateName } from '../orders/order-format';
import { ORDER_STATES } from '../orders/order-types';
import type { WorkCenterCounts } from './overview-types';

/** The table of work centers × states; a work center without orders shows zeros. */
export function StateTable(props: { readonly workCenters: readonly WorkCenterCounts[] }) {
  if (props.workCenters.length === 0) return <p role="status">No work center is within your roles' scope.</p>;
  return (
    <div className="overview-table-scroll">
      <table className="overview-table overview-state-table">
        <caption>Orders by state per work center</caption>
        <thead>
          <tr>
            <th scope="col">Work center</th>
            {ORDER_STATES.map((state) => (
              <th scope="col" key={state}>
                {stateName(state)}
              </th>
            ))}
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {props.workCenters.map((center) => {
            const total = ORDER_STATES.reduce((sum, state) => sum + (center.counts[state] ?? 0), 0);
            return (
              <tr key={center.workCenterId}>
                <th scope="row">
                  {center.name}
                  <span className="overview-path">
                    {center.path.split('/').map((code, index) => (
                      <Fragment key={index}>
                        {index > 0 && (
                          <>
                            /<wbr />
                          </>
                        )}
                        {code}
                      </Fragment>
                    ))}
                  </span>
                </th>
                {ORDER_STATES.map((state) => {
                  const count = center.counts[state] ?? 0;
                  return (
                    <td key={state} className={count === 0 ? 'overview-zero' : undefined}>
                      {count}
                    </td>
                  );
                })}
                <td className="overview-total">{total}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
