import { tempFolder } from '../support/temp-folders.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orderDraftInputSchema } from '../../src/domain/index.js';
import { parseDataFile, readDataFile } from '../../src/cli/data-file.js';
import { numbersAsDecimals } from '../../src/cli/exact-numbers.js';

const WORK_CENTER = '17746232-8394-440c-9d51-1bcb36eee4e5';

const orderYaml = `
number: WO-1001
item: {code: GEAR-12, revision: A}
quantity: {value: 100, unit: pcs}
dueWindow: {start: "2026-12-01T06:00:00Z", end: 2026-12-03T18:00:00Z}
workCenterId: ${WORK_CENTER}
operations:
  - {seq: 10, code: CUT, description: Cut blanks}
materials:
  - {line: 1, itemCode: STEEL, quantity: {value: 12.50, unit: kg}, lotTracked: true}
parameters:
  recipe: R-77
  setpoints: [{name: force, value: 0.1, unit: kN}]
`;

const orderJson = {
  number: 'WO-1001',
  item: { code: 'GEAR-12', revision: 'A' },
  quantity: { value: '100', unit: 'pcs' },
  dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' },
  workCenterId: WORK_CENTER,
  operations: [{ seq: 10, code: 'CUT', description: 'Cut blanks' }],
  materials: [{ line: 1, itemCode: 'STEEL', quantity: { value: '12.50', unit: 'kg' }, lotTracked: true }],
  parameters: { recipe: 'R-77', setpoints: [{ name: 'force', value: '0.1', unit: 'kN' }] },
};

async function fileWith(name: string, text: string): Promise<string> {
  const folder = tempFolder('forgeline-file-');
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

describe('order and plant files', () => {
  it('reads a YAML order with decimals exactly as written and integers kept for seq and line', async () => {
    const parsed = await readDataFile(await fileWith('order.yaml', orderYaml));
    expect(parsed).toEqual(orderJson);
    expect(orderDraftInputSchema.safeParse(parsed).success).toBe(true);
  });

  it('reads a JSON order, by extension or by content', async () => {
    expect(await readDataFile(await fileWith('order.json', JSON.stringify(orderJson)))).toEqual(orderJson);
    expect(await readDataFile(await fileWith('order.txt', `  ${JSON.stringify(orderJson)}`))).toEqual(orderJson);
    expect(await readDataFile(await fileWith('order', orderYaml))).toEqual(orderJson);
  });

  it('turns JSON numbers into decimal strings when they are exact, and refuses those that are not', () => {
    expect(numbersAsDecimals({ quantity: { value: 2.5 }, seq: 3 })).toEqual({ quantity: { value: '2.5' }, seq: 3 });
    expect(() => numbersAsDecimals({ quantity: { value: 1234567890.1234567 } })).toThrow(/quantity.value: .* write it as a quoted string/);
    expect(() => numbersAsDecimals({ value: 1e21 })).toThrow(/quoted string/);
  });

  it('keeps a YAML decimal that a double would round, as written', () => {
    expect(parseDataFile('x.yaml', 'value: 123456789012345.123456\n')).toEqual({ value: '123456789012345.123456' });
  });

  it('turns a numeric code into a string', async () => {
    const plant = await readDataFile(await fileWith('plant.yml', 'enterprise: {code: acme, name: ACME, sites: [{code: 10, name: Ten}]}\n'));
    expect(plant).toEqual({ enterprise: { code: 'acme', name: 'ACME', sites: [{ code: '10', name: 'Ten' }] } });
  });

  it('keeps a __proto__ key as a plain key, for the server to refuse', async () => {
    const parsed = (await readDataFile(await fileWith('evil.json', '{"__proto__": {"admin": true}, "number": "X"}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toContain('__proto__');
    expect(JSON.stringify(parsed)).toContain('"__proto__"');
  });

  it('reports invalid YAML and JSON with the file and line', async () => {
    await expect(readDataFile(await fileWith('bad.yaml', 'a: [1\n'))).rejects.toThrow(/bad\.yaml is not valid YAML: .*line 2/);
    await expect(readDataFile(await fileWith('bad.json', '{"a": }'))).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(readDataFile(await fileWith('dup.yaml', 'a: 1\na: 2\n'))).rejects.toThrow(/Map keys must be unique/);
    await expect(readDataFile(await fileWith('list.yaml', '- 1\n- 2\n'))).rejects.toThrow(/must hold one object/);
  });
});
