import { describe, expect, it } from 'vitest';
import { parseOrThrow, planZones, zoneDescriptionSchema, zoneOfPath, type ZoneDescription, type ZonePlantNode } from '../../src/domain/index.js';

const NODES: readonly ZonePlantNode[] = [
  { id: 'e', kind: 'enterprise', codePath: 'acme' },
  { id: 's1', kind: 'site', codePath: 'acme/berlin' },
  { id: 'a1', kind: 'area', codePath: 'acme/berlin/press' },
  { id: 'w1', kind: 'work-center', codePath: 'acme/berlin/press/wc-1' },
  { id: 'u1', kind: 'work-unit', codePath: 'acme/berlin/press/wc-1/die' },
  { id: 's2', kind: 'site', codePath: 'acme/lyon' },
];

function description(overrides: Partial<ZoneDescription> = {}): ZoneDescription {
  return {
    zones: [{ code: 'press', name: 'Press cell', securityLevel: 2, members: ['acme/berlin/press'] }],
    conduits: [{ code: 'press-https', zone: 'press', transport: 'https', flows: ['reports', 'orders'] }],
    ...overrides,
  };
}

describe('zone description', () => {
  it('accepts the documented example and resolves members to node ids, flows in a fixed order', () => {
    const plan = planZones(parseOrThrow(zoneDescriptionSchema, description()), NODES);
    expect(plan).toEqual({
      ok: true,
      zones: [{ code: 'press', name: 'Press cell', securityLevel: 2, memberIds: ['a1'] }],
      conduits: [{ code: 'press-https', zone: 'press', transport: 'https', flows: ['orders', 'reports'] }],
    });
  });

  it('refuses unknown fields, a security level outside 1..4, an unknown transport or flow, and no flow at all', () => {
    const bad = [
      { ...description(), extra: true },
      description({ zones: [{ code: 'press', name: 'Press cell', securityLevel: 5, members: ['acme/berlin/press'] }] }),
      description({ zones: [{ code: 'press', name: 'Press cell', securityLevel: 1.5, members: ['acme/berlin/press'] }] }),
      { ...description(), conduits: [{ code: 'c', zone: 'press', transport: 'opc-ua', flows: ['orders'] }] },
      { ...description(), conduits: [{ code: 'c', zone: 'press', transport: 'https', flows: ['recipes'] }] },
      { ...description(), conduits: [{ code: 'c', zone: 'press', transport: 'https', flows: [] }] },
      { zones: [] },
    ];
    for (const input of bad) expect(() => parseOrThrow(zoneDescriptionSchema, input), JSON.stringify(input)).toThrow(expect.objectContaining({ code: 'validation-failed' }));
  });

  it('names a plant node that is in two zones (validation-failed)', () => {
    const plan = planZones(description({
      zones: [
        { code: 'press', name: 'Press cell', securityLevel: 2, members: ['acme/berlin/press'] },
        { code: 'also-press', name: 'Again', securityLevel: 3, members: ['acme/lyon', 'acme/berlin/press'] },
      ],
    }), NODES);
    expect(plan).toEqual({ ok: false, code: 'validation-failed', problems: [{ path: 'zones.1.members.1', message: 'plant node acme/berlin/press is in two zones: press and also-press' }] });
  });

  it('refuses repeated codes, a repeated flow, two conduits of one transport to one zone, and members that are not sites, areas or work centers', () => {
    const plan = planZones(description({
      zones: [
        { code: 'press', name: 'Press cell', securityLevel: 2, members: ['acme/berlin/press', 'acme', 'acme/berlin/press/wc-1/die'] },
        { code: 'press', name: 'Twice', securityLevel: 2, members: ['acme/lyon'] },
      ],
      conduits: [
        { code: 'c1', zone: 'press', transport: 'https', flows: ['orders', 'orders'] },
        { code: 'c1', zone: 'press', transport: 'mqtt', flows: ['orders'] },
        { code: 'c2', zone: 'press', transport: 'https', flows: ['reports'] },
      ],
    }), NODES);
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.code).toBe('validation-failed');
    expect(plan.problems.map((problem) => problem.message)).toEqual([
      'zone press is described twice',
      'conduit c1 is described twice',
      'zone press: acme is at level enterprise; zones are drawn on sites, areas and work centers',
      'zone press: acme/berlin/press/wc-1/die is at level work-unit; zones are drawn on sites, areas and work centers',
      'conduit c1 lists flow orders twice',
      'conduits c1 and c2 are both https conduits of zone press; list their flows in one',
    ]);
  });

  it('names unknown zones and plant nodes (unknown-reference)', () => {
    const plan = planZones(description({
      zones: [{ code: 'press', name: 'Press cell', securityLevel: 2, members: ['acme/berlin/press', 'acme/paris'] }],
      conduits: [{ code: 'c1', zone: 'paint', transport: 'mqtt', flows: ['orders'] }],
    }), NODES);
    expect(plan).toEqual({
      ok: false, code: 'unknown-reference',
      problems: [{ path: 'zones.0.members.1', message: 'zone press: no plant node acme/paris' }, { path: 'conduits.0.zone', message: 'conduit c1: no zone paint' }],
    });
  });

  it('accepts no zones and no conduits (every flow refused)', () => {
    expect(planZones({ zones: [], conduits: [] }, NODES)).toEqual({ ok: true, zones: [], conduits: [] });
  });
});

describe('the zone of a work center', () => {
  const zoneOfMember = new Map([['s1', 'site-zone'], ['w2', 'cell-zone']]);

  it('is that of its nearest member ancestor', () => {
    expect(zoneOfPath(['e', 's1', 'a1', 'w1'], zoneOfMember)).toBe('site-zone');
  });

  it('is its own when it is a member itself, even inside a zoned site', () => {
    expect(zoneOfPath(['e', 's1', 'a1', 'w2'], zoneOfMember)).toBe('cell-zone');
  });

  it('is none when nothing on its path is a member', () => {
    expect(zoneOfPath(['e', 's2', 'a2', 'w3'], zoneOfMember)).toBeUndefined();
    expect(zoneOfPath([], zoneOfMember)).toBeUndefined();
  });
});
