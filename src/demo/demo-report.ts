import type { AuditTally } from './audit-tally.js';
import type { PlantNodeView } from './demo-api.js';
import { DEMO_CAST, DEMO_ITEMS, DEMO_USERS } from './demo-plant.js';
import type { OrderOutcome, Refusal } from './order-story.js';
import type { DemoBroker } from './shop-floor-broker.js';
import type { TamperOutcome, WorkCenterRun } from './shop-floor.js';

/** Formats the demo's report lines: a label column, then one compact fact per line. */
export function line(label: string, text: string): string {
  return `  ${label.padEnd(9)} ${text}`;
}

/** "northwind: 2 sites (graz, brno), 2 areas, 6 work centers". */
export function plantLine(nodes: readonly PlantNodeView[]): string {
  const of = (kind: PlantNodeView['kind']) => nodes.filter((node) => node.kind === kind);
  const enterprise = of('enterprise')[0]?.code ?? '?';
  const sites = of('site').map((node) => node.code);
  return line('plant', `${enterprise}: ${sites.length} sites (${sites.join(', ')}), ${of('area').length} areas, ${of('work-center').length} work centers`);
}

/** The product and its materials. */
export function itemsLine(): string {
  const describe = (role: string) => DEMO_ITEMS.filter((item) => item.role === role).map((item) => `${item.code} rev ${item.revision} (${item.unit})`).join(', ');
  return line('items', `product ${describe('product')}; materials ${describe('material')}`);
}

/** Each user with their roles. */
export function usersLine(): string {
  return line('users', `${DEMO_CAST.map((member) => `${DEMO_USERS[member].username} (${DEMO_USERS[member].roles.join('+')})`).join(', ')}; all signed in`);
}

/** Orders per final state and the detours they took. */
export function ordersLine(byState: Readonly<Record<string, number>>, outcomes: readonly OrderOutcome[], seconds: number): string {
  const total = Object.values(byState).reduce((sum, count) => sum + count, 0);
  const states = Object.entries(byState).map(([state, count]) => `${state} ${count}`).join(', ');
  const held = outcomes.filter((outcome) => outcome.held).length;
  const paused = outcomes.filter((outcome) => outcome.paused).length;
  const retried = outcomes.filter((outcome) => outcome.retried).map((outcome) => outcome.number);
  const retries = retried.length ? `; a create of ${retried.join(', ')} sent twice with one Idempotency-Key made one order` : '';
  return line('orders', `${total} in ${seconds.toFixed(1)} s: ${states}; ${held} held and released by quality, ${paused} paused and resumed${retries}`);
}

/** One line per refusal seen, with the problem code the API answered. */
export function refusalLines(refusals: readonly Refusal[]): string[] {
  return refusals.map((refusal, index) => line(index === 0 ? 'refusals' : '', `${refusal.attempt}: ${refusal.code}`));
}

/** The audit log as the auditor read it. */
export function auditLines(tally: AuditTally): string[] {
  const kinds = [...tally.byKind.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${count.ok}${count.denied ? ` (+${count.denied} denied)` : ''}`);
  return [
    line('audit', `${tally.entries} entries (ok ${tally.ok}, denied ${tally.denied}), indices 0..${tally.entries - 1} dense, read in ${tally.pages} pages`),
    line('', kinds.join(', ')),
  ];
}

/** The broker the MQTT work centers use, or why they run over HTTPS instead. */
export function mqttLine(broker: Pick<DemoBroker, 'url' | 'devices'> | null): string {
  if (broker === null) return line('mqtt', 'mosquitto is not installed: the MQTT work centers run over HTTPS instead');
  return line('mqtt', `Mosquitto at ${broker.url} (TLS 1.3, client certificates, ACL of ${broker.devices} devices, CRL); the server restarted with its MQTT bridge`);
}

/** The stations: agents enrolled over the API, each beside a machine over OPC UA. */
export function floorLine(stations: number, seconds: number): string {
  return line('floor', `${stations} edge agents enrolled (one-time token, CSR), each serving a simulated machine over OPC UA (SignAndEncrypt); ready in ${seconds.toFixed(1)} s`);
}

/** One work center's order, from dispatch to completed by its machine. */
export function machineLine(run: WorkCenterRun, first: boolean): string {
  const transport = run.transport === 'https' ? 'HTTPS' : 'MQTT';
  return line(first ? 'machines' : '', `${run.workCenter.padEnd(13)} ${transport.padEnd(5)} ${run.number} accepted ${run.acceptedMs} ms after dispatch, completed in ${(run.completedMs / 1000).toFixed(1)} s: good ${run.good} ${run.unit}, scrap ${run.scrap} ${run.unit} (${run.progressReports} progress reports by its device)`);
}

/** The tampered copy and the agent's refusal. */
export function tamperLine(tampered: TamperOutcome): string {
  return line('tampered', `a copy of ${tampered.number} with its quantity changed from ${tampered.from} to ${tampered.to}, signature kept: refused by the agent of ${tampered.workCenter} (${tampered.code}) and reported`);
}

/** The shop floor's entries in the audit log. */
export function floorAuditLine(tally: AuditTally): string {
  const count = (kind: string) => tally.byKind.get(kind) ?? { ok: 0, denied: 0 };
  const reports = count('device.report');
  const refused = count('device.order-refused');
  const connects = count('device.connect');
  // Starts, progress and completions reported by devices are the orders' own entries (order.start …), with the device as actor.
  return line('floor', `audit: device.report ${reports.ok}${reports.denied ? ` (+${reports.denied} denied)` : ''}, device.order-refused ${refused.ok + refused.denied}, device.connect ${connects.ok}${connects.denied ? ` (+${connects.denied} denied)` : ''}`);
}
