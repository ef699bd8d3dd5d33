/** The overview: orders by state per work center, throughput over the last shifts, devices, alerts and recent denials. */
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { AlertList, DenialTable } from './alert-list';
import { fetchOverview } from './overview-api';
import type { DeviceCounts } from './overview-types';
import { StateTable } from './state-table';
import { ThroughputChart } from './throughput-chart';
import { PAGE_REFRESH_MS, usePolled } from '../use-polled';
import './overview.css';


/** The device counts as a description list. */
function DeviceSummary(props: { readonly devices: DeviceCounts }) {
  const { devices } = props;
  const rows: readonly [string, number, string][] = [
    ['Online', devices.online, 'overview-count-online'],
    ['Offline', devices.offline, devices.offline > 0 ? 'overview-count-offline' : ''],
    ['Revoked', devices.revoked, ''],
    ['Total', devices.total, ''],
  ];
  return (
    <>
      <dl className="overview-counts" aria-label="Devices">
        {rows.map(([label, count, className]) => (
          <div key={label} className={`overview-count ${className}`}>
            <dt>{label}</dt>
            <dd>{count}</dd>
          </div>
        ))}
      </dl>
      <p className="muted">Online: an active device whose certificate was accepted in the last {Math.round(devices.onlineWithinSeconds / 60)} minutes.</p>
    </>
  );
}

/** The overview page, refreshed every 30 seconds while visible. */
export function OverviewPage() {
  usePageTitle('Overview');
  const { value: overview, error, reload } = usePolled(fetchOverview, PAGE_REFRESH_MS);
  return (
    <div className="stack overview">
      <div className="overview-head">
        <div>
          <h1>Overview</h1>
          {overview !== undefined && (
            <p className="muted">
              As of {formatDateTime(overview.generatedAt, overview.timeZone)}; refreshed every 30 seconds. Times are plant time, {overview.timeZone}.
            </p>
          )}
        </div>
        <button type="button" className="button" onClick={() => void reload()}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={error} />
      {overview === undefined && error === undefined && <p className="muted">Loading the overview…</p>}
      {overview !== undefined && (
        <>
          <section className="stack" aria-labelledby="overview-alerts-heading">
            <h2 id="overview-alerts-heading">Alerts</h2>
            <AlertList alerts={overview.alerts} counts={overview.alertCounts} timeZone={overview.timeZone} />
          </section>
          <section className="stack" aria-labelledby="overview-orders-heading">
            <h2 id="overview-orders-heading">Orders by work center</h2>
            <StateTable workCenters={overview.ordersByWorkCenter} />
          </section>
          <div className="overview-columns">
            <section className="stack card" aria-labelledby="overview-throughput-heading">
              <h2 id="overview-throughput-heading">Throughput</h2>
              <p className="muted">
                Shifts start at {overview.shiftStarts.join(', ')} plant time ({overview.timeZone}); on the days the clocks change a shift is an hour longer or shorter.
              </p>
              <ThroughputChart shifts={overview.throughput} timeZone={overview.timeZone} />
            </section>
            <section className="stack card" aria-labelledby="overview-devices-heading">
              <h2 id="overview-devices-heading">Devices</h2>
              <DeviceSummary devices={overview.devices} />
            </section>
          </div>
          {overview.recentDenials !== null && (
            <section className="stack" aria-labelledby="overview-denials-heading">
              <h2 id="overview-denials-heading">Recent denials</h2>
              <DenialTable denials={overview.recentDenials} timeZone={overview.timeZone} />
            </section>
          )}
        </>
      )}
    </div>
  );
}
