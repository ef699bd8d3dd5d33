/** The admin's zones and conduits (IEC 62443): what is in force, and a new description applied from an editor. */
import { useCallback, useEffect, useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { applyZones, fetchZones } from './admin-api';
import { AdminFrame } from './admin-nav';
import type { ZoneMap } from './admin-types';
import { ConfirmStep } from './confirm-step';

/** The description `PUT /api/v1/zones` takes, from the map in force: what the editor starts from. */
function descriptionOf(map: ZoneMap): string {
  const description = {
    zones: map.zones.map((zone) => ({ code: zone.code, name: zone.name, securityLevel: zone.securityLevel, members: zone.members })),
    conduits: map.conduits.map((conduit) => ({ code: conduit.code, zone: conduit.zone, transport: conduit.transport, flows: conduit.flows })),
  };
  return JSON.stringify(description, null, 2);
}

/** The editor's text as JSON, or why it is not. */
function parseDescription(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `The description is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}` };
  }
}

/** Shows the zones and conduits, and replaces them after a confirmation. */
export function ZonesPage() {
  usePageTitle('Zones');
  const editorId = useId();
  const [map, setMap] = useState<ZoneMap>();
  const [text, setText] = useState('');
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [localError, setLocalError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [pending, setPending] = useState<{ readonly value: unknown }>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const current = await fetchZones();
      setMap(current);
      setText(descriptionOf(current));
      setLoadError(undefined);
    } catch (failure) {
      setLoadError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const review = () => {
    setMessage(undefined);
    setError(undefined);
    const parsed = parseDescription(text);
    if (!parsed.ok) {
      setLocalError(parsed.message);
      return;
    }
    setLocalError(undefined);
    setPending({ value: parsed.value });
  };

  const apply = async (description: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      const applied = await applyZones(description);
      setPending(undefined);
      setMap(applied);
      setText(descriptionOf(applied));
      setMessage(`Applied: zones version ${applied.version}, ${applied.zones.length} ${applied.zones.length === 1 ? 'zone' : 'zones'} and ${applied.conduits.length} ${applied.conduits.length === 1 ? 'conduit' : 'conduits'}.`);
    } catch (failure) {
      setPending(undefined);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const nextVersion = (map?.version ?? 0) + 1;
  return (
    <AdminFrame title="Zones and conduits">
      <ErrorAlert error={loadError} />
      {map !== undefined && <ZonesInForce map={map} />}
      <section className="card stack" aria-labelledby="zone-editor-heading">
        <h2 id="zone-editor-heading">Change the zones</h2>
        <div className="field">
          <label htmlFor={editorId}>Zone description (JSON)</label>
          <p className="field-hint" id={`${editorId}-hint`}>
            The whole set: a zone or conduit left out is removed. Members are plant code paths such as acme/berlin; a conduit carries orders (server to zone) and reports (zone to server) over
            https or mqtt.
          </p>
          <textarea
            id={editorId}
            className="input admin-editor"
            aria-describedby={`${editorId}-hint`}
            value={text}
            spellCheck={false}
            rows={18}
            wrap="off"
            onChange={(event) => {
              setText(event.target.value);
              setPending(undefined);
            }}
          />
        </div>
        <StatusMessage>{message}</StatusMessage>
        {localError !== undefined && (
          <p className="alert alert-error" role="alert">
            {localError}
          </p>
        )}
        {pending === undefined && <ErrorAlert error={error} />}
        {pending !== undefined ? (
          <ConfirmStep
            question={`Replace every zone and conduit with this description (version ${nextVersion})? Zones and conduits left out are removed at once; dispatch to work centers outside any zone will be refused, and their devices' connections and reports too.`}
            confirmLabel="Yes, apply the description"
            busy={busy}
            onConfirm={() => void apply(pending.value)}
            onCancel={() => setPending(undefined)}
          />
        ) : (
          <div className="actions">
            <button type="button" className="button button-primary" disabled={map === undefined} onClick={review}>
              Apply description
            </button>
            <button
              type="button"
              className="button"
              disabled={map === undefined}
              onClick={() => {
                if (map !== undefined) setText(descriptionOf(map));
                setError(undefined);
                setLocalError(undefined);
              }}
            >
              Start again from the zones in force
            </button>
          </div>
        )}
      </section>
    </AdminFrame>
  );
}

/** The zones with their members and the conduits, as stored. */
function ZonesInForce(props: { readonly map: ZoneMap }) {
  const { map } = props;
  return (
    <section className="card stack" aria-labelledby="zones-heading">
      <h2 id="zones-heading">In force</h2>
      <p>
        {map.version === 0 ? 'No zones applied yet: every dispatch is refused.' : `Version ${map.version}, applied ${map.updatedAt === null ? '' : formatDateTime(map.updatedAt)}.`}
        {map.descriptionHash !== null && (
          <>
            {' '}
            Description hash <code className="admin-hash">{map.descriptionHash}</code>
          </>
        )}
      </p>
      <div className="admin-table-wrap">
        <table className="admin-table">
          <caption>Zones</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Name</th>
              <th scope="col">Security level</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {map.zones.map((zone) => (
              <tr key={zone.id}>
                <td>{zone.code}</td>
                <td>{zone.name}</td>
                <td>SL {zone.securityLevel}</td>
                <td>{zone.members.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="admin-table-wrap">
        <table className="admin-table">
          <caption>Conduits</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Zone</th>
              <th scope="col">Transport</th>
              <th scope="col">Flows</th>
            </tr>
          </thead>
          <tbody>
            {map.conduits.map((conduit) => (
              <tr key={conduit.id}>
                <td>{conduit.code}</td>
                <td>{conduit.zone}</td>
                <td>{conduit.transport}</td>
                <td>{conduit.flows.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
