/** The plant's time zone and shift starts (GET|PATCH /api/v1/plant/time), and putting the zone into force for the app's dates. */
import { apiRequest } from './api';
import { setPlantTimeZone } from './format';

/** The setting as the server answers it. */
export interface PlantTime {
  /** An IANA time zone name, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** Where the shifts start, local time `hh:mm`, earliest first. */
  readonly shifts: readonly string[];
}

/** The setting (every signed-in user may read it). */
export function fetchPlantTime(): Promise<PlantTime> {
  return apiRequest<PlantTime>('/api/v1/plant/time', { quietUnauthenticated: true });
}

/** Changes the time zone, the shifts or both (admins); the app's dates follow at once. */
export async function changePlantTime(change: Partial<PlantTime>): Promise<PlantTime> {
  const changed = await apiRequest<PlantTime>('/api/v1/plant/time', { method: 'PATCH', body: change });
  setPlantTimeZone(changed.timeZone);
  return changed;
}

/**
 * Reads the setting and puts its zone into force before the signed-in pages render. When it cannot
 * be read, dates stay in the browser's zone and say so ("your browser's time zone") rather than stopping the app.
 */
export async function loadPlantTimeZone(): Promise<void> {
  try {
    setPlantTimeZone((await fetchPlantTime()).timeZone);
  } catch {
    setPlantTimeZone(undefined);
  }
}
