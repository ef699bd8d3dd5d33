import type { Command } from 'commander';
import type { ZoneMap } from '../../domain/index.js';
import type { CliContext } from '../cli-context.js';
import { readDataFile } from '../data-file.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable, printable } from '../text-format.js';

type ZoneRow = ZoneMap['zones'][number];
type ConduitRow = ZoneMap['conduits'][number];

/** Shows the zones and conduits in force as two tables, with the version and description hash above. */
export function zoneTables(map: ZoneMap): string[] {
  if (map.version === 0) return ['no zones yet: every dispatch is refused until forgeline zone apply FILE describes them'];
  return [
    `zones version ${map.version}, applied ${map.updatedAt ?? '?'}, description sha-256 ${map.descriptionHash ?? '?'}`,
    '',
    ...formatTable<ZoneRow>([
      { heading: 'zone', value: (row) => row.code },
      { heading: 'SL-T', value: (row) => row.securityLevel, right: true },
      { heading: 'name', value: (row) => printable(row.name) },
      { heading: 'members', value: (row) => row.members.join(', ') },
    ], map.zones),
    '',
    ...formatTable<ConduitRow>([
      { heading: 'conduit', value: (row) => row.code },
      { heading: 'zone', value: (row) => row.zone },
      { heading: 'transport', value: (row) => row.transport },
      { heading: 'flows', value: (row) => row.flows.join(', ') },
    ], map.conduits),
  ];
}

/** Registers `zone apply|list`: IEC 62443 zones drawn on the plant and the conduits that reach them. */
export function registerZoneCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const zone = program.command('zone').description('IEC 62443 zones on the plant hierarchy, and the conduits permitting orders and reports to and from each');

  withJsonOption(
    zone.command('apply')
      .description('replace every zone and conduit with those of a YAML or JSON description, in one transaction (admins)')
      .argument('<file>', 'the description: {zones: [{code, name, securityLevel, members: [code paths]}], conduits: [{code, zone, transport, flows}]}'),
  ).action(async (file: string, options: { json?: boolean }, command: Command) => {
    const description = await readDataFile(file);
    const { api } = await context.connect(command);
    const applied = await api.put<ZoneMap>('/api/v1/zones', description);
    if (options.json) return printJson(io, applied);
    const members = applied.zones.reduce((sum, row) => sum + row.members.length, 0);
    io.out(`zones applied (version ${applied.version}): ${applied.zones.length} zone(s) with ${members} member(s), ${applied.conduits.length} conduit(s)`);
  });

  withJsonOption(zone.command('list').description('show the zones and conduits in force (admins, auditors)'))
    .action(async (options: { json?: boolean }, command: Command) => {
      const { api } = await context.connect(command);
      const map = await api.get<ZoneMap>('/api/v1/zones');
      if (options.json) return printJson(io, map);
      printLines(io, zoneTables(map));
    });
}
