import type { Role } from '../domain/index.js';

/**
 * The demo's fixtures: a plant, its item master, its people and the content of an
 * order, as a plant would send them to the API. Plain data, no I/O.
 */

/** An enterprise with two sites, each with one area of three work centers. */
export const DEMO_PLANT = {
  enterprise: {
    code: 'northwind',
    name: 'Northwind Bar & Wire',
    sites: [
      {
        code: 'graz',
        name: 'Graz works',
        children: [
          {
            code: 'drawing',
            name: 'Cold drawing',
            children: [
              { code: 'wc-draw-1', name: 'Draw bench 1' },
              { code: 'wc-draw-2', name: 'Draw bench 2' },
              { code: 'wc-straighten', name: 'Straightening line' },
            ],
          },
        ],
      },
      {
        code: 'brno',
        name: 'Brno works',
        children: [
          {
            code: 'finishing',
            name: 'Finishing',
            children: [
              { code: 'wc-cut', name: 'Cut-to-length saw' },
              { code: 'wc-chamfer', name: 'Chamfering cell' },
              { code: 'wc-pack', name: 'Bundling and packing' },
            ],
          },
        ],
      },
    ],
  },
} as const;

/**
 * The plant's IEC 62443 zones: each works' shop floor is a zone at SL-T 2, reached by an HTTPS and
 * an MQTT conduit carrying orders and reports, so every work center may be dispatched to.
 */
export const DEMO_ZONES = {
  zones: [
    { code: 'graz-drawing', name: 'Graz cold drawing floor', securityLevel: 2, members: ['northwind/graz/drawing'] },
    { code: 'brno-finishing', name: 'Brno finishing floor', securityLevel: 2, members: ['northwind/brno/finishing'] },
  ],
  conduits: [
    { code: 'graz-drawing-https', zone: 'graz-drawing', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'graz-drawing-mqtt', zone: 'graz-drawing', transport: 'mqtt', flows: ['orders', 'reports'] },
    { code: 'brno-finishing-https', zone: 'brno-finishing', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'brno-finishing-mqtt', zone: 'brno-finishing', transport: 'mqtt', flows: ['orders', 'reports'] },
  ],
} as const;

/** Every code of {@link DEMO_PLANT}, parents before children, siblings in the order written. */
export const PLANT_CODES: readonly string[] = [
  DEMO_PLANT.enterprise.code,
  ...DEMO_PLANT.enterprise.sites.flatMap((site) => [site.code, ...site.children.flatMap((area) => [area.code, ...area.children.map((center) => center.code)])]),
];

/** Sorts plant nodes as the description lists them (the API promises parents first, not sibling order). */
export function inDescriptionOrder<T extends { readonly code: string }>(nodes: readonly T[]): T[] {
  return [...nodes].sort((a, b) => PLANT_CODES.indexOf(a.code) - PLANT_CODES.indexOf(b.code));
}

/** The product and its materials, as item revisions. */
export const DEMO_ITEMS = [
  { code: 'BAR-16', revision: 'B', description: 'Bright steel bar 16 mm, cold drawn', unit: 'm', role: 'product' },
  { code: 'WIRE-18', revision: 'A', description: 'Wire rod 18 mm, 42CrMo4', unit: 'kg', role: 'material' },
  { code: 'LUBE-3', revision: 'A', description: 'Drawing lubricant', unit: 'L', role: 'material' },
] as const;

/** The people of the demo, by the part they play. */
export const DEMO_CAST = ['planner', 'approverA', 'approverB', 'operator', 'quality', 'logistics', 'auditor'] as const;

/** One of {@link DEMO_CAST}. */
export type CastMember = (typeof DEMO_CAST)[number];

/** A user the demo creates: username, name and roles. */
export interface DemoUser {
  readonly username: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
}

/**
 * One user per role, two approvers. The second approver is a shift supervisor who
 * also plans: the kind of user separation of duties exists for, since she may
 * release orders but never one she wrote herself.
 */
export const DEMO_USERS: Readonly<Record<CastMember, DemoUser>> = {
  planner: { username: 'pia.planner', displayName: 'Pia Planner', roles: ['planner'] },
  approverA: { username: 'alan.approver', displayName: 'Alan Approver', roles: ['approver'] },
  approverB: { username: 'bea.supervisor', displayName: 'Bea Supervisor', roles: ['approver', 'planner'] },
  operator: { username: 'otto.operator', displayName: 'Otto Operator', roles: ['operator'] },
  quality: { username: 'quinn.quality', displayName: 'Quinn Quality', roles: ['quality'] },
  logistics: { username: 'lena.logistics', displayName: 'Lena Logistics', roles: ['logistics'] },
  auditor: { username: 'aud.auditor', displayName: 'Aud Auditor', roles: ['auditor'] },
};

const PRIORITIES = ['normal', 'high', 'normal', 'low', 'urgent'] as const;

/** The order number of the demo's order `index` (0-based). */
export function orderNumber(index: number): string {
  return `NW-${String(index + 1).padStart(4, '0')}`;
}

/** The create request of order `index`: 250 m of bar on a work center, due within a few days of `now`. */
export function orderInput(index: number, workCenterId: string, now: Date): Record<string, unknown> {
  const start = new Date(now.getTime() + (24 + index) * 3600_000);
  const end = new Date(start.getTime() + 48 * 3600_000);
  return {
    number: orderNumber(index),
    item: { code: 'BAR-16', revision: 'B' },
    quantity: { value: '250', unit: 'm' },
    dueWindow: { start: start.toISOString(), end: end.toISOString() },
    priority: PRIORITIES[index % PRIORITIES.length],
    workCenterId,
    operations: [
      { seq: 10, code: 'DRAW', description: 'Draw to 16 mm', setupMinutes: '20', runMinutesPerUnit: '0.05' },
      { seq: 20, code: 'CUT', description: 'Cut to 6 m lengths' },
    ],
    materials: [
      { line: 1, itemCode: 'WIRE-18', itemRevision: 'A', quantity: { value: '412.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 },
      { line: 2, itemCode: 'LUBE-3', itemRevision: 'A', quantity: { value: '0.75', unit: 'L' }, lotTracked: false, operationSeq: 10 },
    ],
    parameters: {
      recipe: 'BAR-16-DRAW-v4',
      setpoints: [
        { name: 'draw-speed', value: '0.8', unit: 'm/s' },
        { name: 'die-temperature', value: '62.5', unit: 'degC' },
      ],
    },
    customerReference: `CUST-${7700 + index}`,
  };
}

/** The two progress reports of an order: exact decimals, the first consuming a lot of wire rod. */
export function progressReports(index: number): readonly Record<string, unknown>[] {
  return [
    { operationSeq: 20, good: '120.5', scrap: '1.25', lots: [{ materialLine: 1, lot: `HEAT-${24100 + index}`, quantity: '207.125' }] },
    { operationSeq: 20, good: '126.25', scrap: '2' },
  ];
}

/** What {@link progressReports} add up to, as the server must report it. */
export const EXPECTED_TOTALS = { good: '246.75', scrap: '3.25' } as const;
