import { plantTimePatchSchema, type PlantTime } from '../plant/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** The setting as it leaves: the two fields, nothing else. */
function presentPlantTime(setting: PlantTime) {
  return { timeZone: setting.timeZone, shifts: [...setting.shifts] };
}

/** The plant's time zone and shift starts (issue 7 point 10): read by every signed-in user, changed by admins. */
export function plantTimeRoutes(services: Services): RouteSpec[] {
  return [
    {
      // Reachable during account setup: the app shows dates (a session's expiry) before the one-time password is changed.
      method: 'GET', url: '/api/v1/plant/time', tag: 'plant', authenticated: true, accountSetup: true,
      summary: "The plant's IANA time zone, in which the web shows dates and reads date inputs, and the local times its shifts start",
      handler: async ({ actor }) => presentPlantTime(await services.plantTime.read(actor)),
    },
    {
      method: 'PATCH', url: '/api/v1/plant/time', tag: 'plant', authenticated: true, body: plantTimePatchSchema,
      summary: "Change the plant's time zone (an IANA name such as Europe/Berlin), its shift starts (1–4 local times hh:mm, earliest first) or both (admin; audited plant.time-update with before and after)",
      handler: async ({ actor, body }) => presentPlantTime(await services.plantTime.update(actor, body)),
    },
  ];
}
