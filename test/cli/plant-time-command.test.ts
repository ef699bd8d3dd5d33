import { expect, it } from 'vitest';
import { fakeFetch, run } from './cli-harness.js';

it("shows the plant's time zone and shifts, and changes them with one PATCH", async () => {
  const server = fakeFetch((request) => ({ status: 200, body: request.method === 'GET' ? { timeZone: 'UTC', shifts: ['06:00', '14:00', '22:00'] } : { timeZone: 'Europe/Berlin', shifts: ['05:30', '17:30'] } }));
  const shown = await run(['plant', 'time'], { fetch: server.fetch });
  expect(shown.stdout).toEqual(['time zone: UTC', 'shifts:    06:00, 14:00, 22:00']);
  const set = await run(['plant', 'time', '--zone', 'Europe/Berlin', '--shifts', '05:30, 17:30', '--json'], { fetch: server.fetch });
  expect(set.exitCode).toBe(0);
  expect(JSON.parse(set.stdout.join('\n'))).toEqual({ timeZone: 'Europe/Berlin', shifts: ['05:30', '17:30'] });
  expect(server.requests.map((request) => [request.method, request.url.pathname, request.body])).toEqual([
    ['GET', '/api/v1/plant/time', undefined],
    ['PATCH', '/api/v1/plant/time', { timeZone: 'Europe/Berlin', shifts: ['05:30', '17:30'] }],
  ]);
});

it("prints the server's refusal of an unknown zone on one line and exits 1", async () => {
  const server = fakeFetch(() => ({ status: 400, body: { code: 'validation-failed', detail: 'Invalid plant time setting: timeZone: "Mars/Base" is not an IANA time zone this server knows, e.g. Europe/Berlin or America/Chicago' } }));
  const refused = await run(['plant', 'time', '--zone', 'Mars/Base'], { fetch: server.fetch });
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toEqual([expect.stringMatching(/^forgeline: validation-failed: Invalid plant time setting: timeZone: "Mars\/Base" is not an IANA time zone/)]);
});
