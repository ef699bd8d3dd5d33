/** The admin's devices: the registry, registering a device, enrolment tokens and revocation. */
import { useState, type FormEvent } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { usePageTitle } from '../page-title';
import { useLoaded } from '../use-loaded';
import { listDevices, registerDevice } from './admin-api';
import { AdminFrame } from './admin-nav';
import type { DeviceEntry, PlantNode } from './admin-types';
import { DeviceItem } from './device-item';
import { SelectField } from './select-field';
import { nodeLabel, usePlant } from './use-plant';

/** Lists the devices, and registers new ones. */
export function DevicesPage() {
  usePageTitle('Devices');
  const plant = usePlant();
  const { value: devices, error, reload: load } = useLoaded<readonly DeviceEntry[]>(listDevices);
  const [message, setMessage] = useState<string>();

  const changed = async (text: string) => {
    setMessage(text);
    await load();
  };

  return (
    <AdminFrame title="Devices">
      <ErrorAlert error={plant.error} />
      <RegisterDeviceForm workCenters={plant.nodes.filter((node) => node.kind === 'work-center')} onRegistered={(device) => changed(`Registered ${device.name}. Create an enrolment token to enrol it.`)} />
      <section className="card stack" aria-labelledby="devices-heading">
        <h2 id="devices-heading">Registered devices</h2>
        <StatusMessage>{message}</StatusMessage>
        <ErrorAlert error={error} />
        {devices === undefined && error === undefined && <p className="muted">Loading…</p>}
        {devices !== undefined && devices.length === 0 && <p>No devices yet.</p>}
        {devices !== undefined && devices.length > 0 && (
          <ul className="admin-list" aria-label="Devices">
            {devices.map((device) => (
              <DeviceItem key={device.id} device={device} workCenter={plant.nameOf(device.workCenterId)} onChanged={changed} />
            ))}
          </ul>
        )}
      </section>
    </AdminFrame>
  );
}

/** Name, kind and work center of a new device. */
function RegisterDeviceForm(props: { readonly workCenters: readonly PlantNode[]; readonly onRegistered: (device: DeviceEntry) => Promise<void> }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState('');
  const [workCenter, setWorkCenter] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const options = [{ value: '', label: 'Choose a work center' }, ...props.workCenters.map((node) => ({ value: node.id, label: nodeLabel(node) }))];

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const device = await registerDevice({ name: name.trim(), kind: kind.trim(), workCenterId: workCenter });
      setName('');
      setKind('');
      await props.onRegistered(device);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="register-device-heading">
      <h2 id="register-device-heading">Register a device</h2>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField label="Device name" hint='What the plant calls it, unique within its work center, e.g. "Mill 3 edge agent".' value={name} onValueChange={setName} autoComplete="off" required />
        <TextField label="Kind" hint="What sort of device it is, e.g. cnc, plc, edge-agent, scanner." value={kind} onValueChange={setKind} autoComplete="off" spellCheck={false} required />
        <SelectField label="Work center" value={workCenter} options={options} onValueChange={setWorkCenter} required />
        <ErrorAlert error={error} />
        <button type="submit" className="button button-primary" disabled={busy}>
          Register device
        </button>
      </form>
    </section>
  );
}
