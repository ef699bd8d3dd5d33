import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDecimal, parseLot, parseMqttUrl, parsePort, parsePositiveInt, parseRole, parseState, parseTime } from '../../src/cli/option-parsers.js';

describe('option parsers', () => {
  it('parses --lot LINE:LOT:QTY into a lot consumption', () => {
    expect(parseLot('1:LOT-7:2.5')).toEqual({ materialLine: 1, lot: 'LOT-7', quantity: '2.5' });
  });

  it('keeps colons inside the lot number', () => {
    expect(parseLot('12:A:B:C:0.001')).toEqual({ materialLine: 12, lot: 'A:B:C', quantity: '0.001' });
  });

  it.each(['LOT-7', '1:LOT-7', 'x:LOT:1', '0:LOT:1', '1::2', '1:LOT:2,5', '1:LOT:1e3'])('refuses the malformed lot %s', (value) => {
    expect(() => parseLot(value)).toThrow(InvalidArgumentError);
  });

  it('parses roles with and without a scope', () => {
    expect(parseRole('planner')).toEqual({ role: 'planner', scopeNodeId: null });
    expect(parseRole('operator@4b1c')).toEqual({ role: 'operator', scopeNodeId: '4b1c' });
  });

  it('refuses an unknown role and an empty scope', () => {
    expect(() => parseRole('wizard')).toThrow(/not a role/);
    expect(() => parseRole('planner@')).toThrow(/scope/);
  });

  it('keeps decimals as exact strings and refuses floats in other notations', () => {
    expect(parseDecimal('0.1')).toBe('0.1');
    expect(() => parseDecimal('1e3')).toThrow(InvalidArgumentError);
    expect(() => parseDecimal('1,5')).toThrow(InvalidArgumentError);
  });

  it('parses whole numbers, states and times', () => {
    expect(parsePositiveInt('3')).toBe(3);
    expect(() => parsePositiveInt('0')).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInt('2.5')).toThrow(InvalidArgumentError);
    expect(parseState('held')).toBe('held');
    expect(() => parseState('sleeping')).toThrow(InvalidArgumentError);
    expect(parseTime('2025-01-31')).toBe('2025-01-31T00:00:00.000Z');
    expect(parseTime('2025-01-31T08:00:00+01:00')).toBe('2025-01-31T07:00:00.000Z');
    expect(() => parseTime('yesterday')).toThrow(InvalidArgumentError);
  });

  it('parses ports, any free port only where allowed', () => {
    expect(parsePort('8443')).toBe(8443);
    expect(() => parsePort('0')).toThrow(/from 1 to 65535/);
    expect(parsePort('0', true)).toBe(0);
    expect(() => parsePort('65536', true)).toThrow(/from 0 to 65535/);
  });

  it('takes an MQTT broker over TLS only', () => {
    expect(parseMqttUrl('mqtts://broker.plant.local:8883')).toBe('mqtts://broker.plant.local:8883');
    expect(() => parseMqttUrl('mqtt://broker.plant.local:1883')).toThrow(/mqtts:\/\//);
    expect(() => parseMqttUrl('broker:8883')).toThrow(InvalidArgumentError);
    expect(() => parseMqttUrl('not a url')).toThrow(/such as mqtts:/);
  });
});
