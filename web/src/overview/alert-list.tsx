/** The overview's alerts and, for readers of the audit log, the recent denials. */
import { formatDateTime } from '../format';
import { Link } from '../router';
import { alertCountText } from './overview-format';
import type { AlertCounts, OverviewAlert, RecentDenial } from './overview-types';

const SEVERITY_NAMES: Readonly<Record<OverviewAlert['severity'], string>> = { critical: 'Critical', warning: 'Warning' };

/** Since when an alert holds, as people read it, on the plant's clock. */
function sinceText(alert: OverviewAlert, timeZone: string): string | undefined {
  if (alert.since === null) return undefined;
  const when = formatDateTime(alert.since, timeZone);
  switch (alert.kind) {
    case 'overdue':
      return `Due ${when}`;
    case 'held':
      return `Held since ${when}`;
    case 'device-offline':
      return `Last seen ${when}`;
  }
}

/** The alerts, most severe first; each message is plain text from the server. Times in the overview's zone, `timeZone`. */
export function AlertList(props: { readonly alerts: readonly OverviewAlert[]; readonly counts: AlertCounts; readonly timeZone: string }) {
  if (props.alerts.length === 0) return <p role="status">No alerts: nothing is overdue, held or offline.</p>;
  return (
    <>
      <p className="muted overview-alert-count">{alertCountText(props.alerts.length, props.counts)}</p>
      <ul className="overview-alerts" aria-label="Alerts">
        {props.alerts.map((alert) => (
          <li key={`${alert.kind}:${alert.orderId ?? alert.deviceId ?? alert.message}`} className={`overview-alert overview-alert-${alert.severity}`}>
            <span className={`overview-severity overview-severity-${alert.severity}`}>{SEVERITY_NAMES[alert.severity]}</span>
            <span className="overview-alert-message">
              {alert.orderId !== undefined ? (
                <Link to={`/orders/${alert.orderId}`}>{alert.message}</Link>
              ) : (
                alert.message
              )}
            </span>
            {sinceText(alert, props.timeZone) !== undefined && <span className="muted">{sinceText(alert, props.timeZone)}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The last refused attempts from the audit log, newest first, times in `timeZone`. */
export function DenialTable(props: { readonly denials: readonly RecentDenial[]; readonly timeZone: string }) {
  if (props.denials.length === 0) return <p role="status">No attempt has been refused.</p>;
  return (
    <div className="overview-table-scroll">
      <table className="overview-table">
        <caption className="visually-hidden">Recent denials, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Attempt</th>
            <th scope="col">By</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {props.denials.map((denial) => (
            <tr key={denial.index}>
              <th scope="row">{formatDateTime(denial.at, props.timeZone)}</th>
              <td>
                <code>{denial.kind}</code>
              </td>
              <td>{denial.actor}</td>
              <td>{denial.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
