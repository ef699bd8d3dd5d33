/** The admin's plant time: the IANA time zone every page shows dates in, and the local times the shifts start. */
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { changePlantTime, fetchPlantTime, type PlantTime } from '../plant-time';
import { AdminFrame } from './admin-nav';
import { shiftsOf } from './plant-time-input';
import { ConfirmStep } from './confirm-step';

/** The zones this browser knows, for the field's suggestions (the server checks against its own list). */
function knownZones(): readonly string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** Shows the setting in force and changes it after a confirmation. */
export function PlantTimePage() {
  usePageTitle('Plant time');
  const zonesId = useId();
  const zones = useMemo(knownZones, []);
  const [current, setCurrent] = useState<PlantTime>();
  const [timeZone, setTimeZone] = useState('');
  const [shifts, setShifts] = useState('');
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [pending, setPending] = useState<PlantTime>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const setting = await fetchPlantTime();
      setCurrent(setting);
      setTimeZone(setting.timeZone);
      setShifts(setting.shifts.join(', '));
      setLoadError(undefined);
    } catch (failure) {
      setLoadError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const apply = async (change: PlantTime) => {
    setBusy(true);
    setError(undefined);
    try {
      const changed = await changePlantTime(change);
      setCurrent(changed);
      setTimeZone(changed.timeZone);
      setShifts(changed.shifts.join(', '));
      setMessage(`Plant time is now ${changed.timeZone}, shifts starting at ${changed.shifts.join(', ')}.`);
    } catch (failure) {
      setError(failure);
    } finally {
      setPending(undefined);
      setBusy(false);
    }
  };

  return (
    <AdminFrame title="Plant time">
      <ErrorAlert error={loadError} />
      {current !== undefined && (
        <section className="card stack" aria-labelledby="plant-time-heading">
          <h2 id="plant-time-heading">In force</h2>
          <p>
            Time zone <strong>{current.timeZone}</strong>; shifts start at {current.shifts.join(', ')} local time. Now on the plant&apos;s clock: {formatDateTime(new Date().toISOString(), current.timeZone)}.
          </p>
        </section>
      )}
      <section className="card stack" aria-labelledby="plant-time-change-heading">
        <h2 id="plant-time-change-heading">Change the plant time</h2>
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            setMessage(undefined);
            setError(undefined);
            setPending({ timeZone: timeZone.trim(), shifts: shiftsOf(shifts) });
          }}
        >
          <div className="field-grid">
            <TextField label="Time zone" hint="An IANA name such as Europe/Berlin or America/Chicago; UTC for none." list={zonesId} value={timeZone} onValueChange={setTimeZone} autoComplete="off" spellCheck={false} required />
            <TextField label="Shift starts" hint="1 to 4 local times hh:mm, earliest first, separated by commas; each shift runs until the next starts." value={shifts} onValueChange={setShifts} autoComplete="off" spellCheck={false} required />
          </div>
          <datalist id={zonesId}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <StatusMessage>{message}</StatusMessage>
          {pending === undefined && <ErrorAlert error={error} />}
          {pending !== undefined ? (
            <ConfirmStep
              question={`Change the plant time to ${pending.timeZone} with shifts starting at ${pending.shifts.join(', ')}? Every page shows dates in this zone and reads typed dates in it, for everyone, from their next page load; the overview counts its shifts from these starts.`}
              confirmLabel="Yes, change the plant time"
              busy={busy}
              onConfirm={() => void apply(pending)}
              onCancel={() => setPending(undefined)}
            />
          ) : (
            <div className="actions">
              <button type="submit" className="button button-primary" disabled={current === undefined}>
                Change plant time
              </button>
            </div>
          )}
        </form>
      </section>
    </AdminFrame>
  );
}
