/**
 * MQTT topic names of the shop floor, after the ISA-95 equipment hierarchy (IEC 62264-1 §5.2):
 * `forgeline/<site>/<area>/<work center>/orders` for the orders of a work center and
 * `forgeline/<site>/<area>/<work center>/reports/<device id>` for the reports of one device.
 * Pure: plant nodes in, topic names or a typed error out.
 */
import { ForgelineError, type FieldProblem } from '../domain/index.js';

/** The first level of every Forgeline topic. */
export const TOPIC_ROOT = 'forgeline';

/** What the Forgeline server publishes to: every work center's orders topic (one `+` per hierarchy level). */
export const ALL_ORDERS_FILTER = `${TOPIC_ROOT}/+/+/+/orders`;

/** What the Forgeline server subscribes to: every device's report topic. */
export const ALL_REPORTS_FILTER = `${TOPIC_ROOT}/+/+/+/reports/+`;

/**
 * A topic level made from a plant code or a device id. Plant codes may contain `/` (the code
 * schema allows it), which would add a level and make two work centers share a topic; `+`, `#`
 * (MQTT 3.1.1 §4.7.1 wildcards), NUL (§1.5.3) and anything else outside this set are refused too.
 */
const SAFE_LEVEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The codes that name a work center's place in the plant: site, area, work center. */
export interface WorkCenterPlace {
  readonly siteCode: string;
  readonly areaCode: string;
  readonly workCenterCode: string;
}

/** A plant node as far as topics need it: its kind, code, and path of ancestor ids ending with its own. */
export interface TopicPlantNode {
  readonly id: string;
  readonly kind: string;
  readonly code: string;
  readonly path: readonly string[];
}

/** Why a code cannot be a topic level, or undefined when it can. */
export function topicLevelProblem(value: string): string | undefined {
  return SAFE_LEVEL.test(value) ? undefined : `${JSON.stringify(value.slice(0, 64))} cannot be an MQTT topic level: letters, digits, . _ - only (no / + # or NUL)`;
}

/**
 * The site, area and work center codes of a work center, from the plant nodes by id; throws
 * validation-failed listing every code that cannot be a topic level, or when the node is not
 * a work center under a site and an area.
 */
export function workCenterPlace(workCenterId: string, nodes: ReadonlyMap<string, TopicPlantNode>): WorkCenterPlace {
  const workCenter = nodes.get(workCenterId);
  const [, siteId, areaId] = workCenter?.path ?? [];
  const site = siteId === undefined ? undefined : nodes.get(siteId);
  const area = areaId === undefined ? undefined : nodes.get(areaId);
  if (workCenter?.kind !== 'work-center' || site?.kind !== 'site' || area?.kind !== 'area') {
    throw new ForgelineError('unknown-reference', `${workCenterId} is not a work center under a site and an area`);
  }
  const problems: FieldProblem[] = [];
  for (const [level, node] of [['site', site], ['area', area], ['work center', workCenter]] as const) {
    const problem = topicLevelProblem(node.code);
    if (problem !== undefined) problems.push({ path: `plant/${node.id}/code`, message: `${level} code ${problem}` });
  }
  if (problems.length > 0) throw new ForgelineError('validation-failed', problems.map((entry) => entry.message).join('; '), { problems });
  return { siteCode: site.code, areaCode: area.code, workCenterCode: workCenter.code };
}

/** The topic a work center's orders are published to. */
export function ordersTopic(place: WorkCenterPlace): string {
  return `${TOPIC_ROOT}/${place.siteCode}/${place.areaCode}/${place.workCenterCode}/orders`;
}

/** The topic one device publishes its reports to. */
export function reportsTopic(place: WorkCenterPlace, deviceId: string): string {
  const problem = topicLevelProblem(deviceId);
  if (problem !== undefined) throw new ForgelineError('validation-failed', `device id ${problem}`);
  return `${TOPIC_ROOT}/${place.siteCode}/${place.areaCode}/${place.workCenterCode}/reports/${deviceId}`;
}
