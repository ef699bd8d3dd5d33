import type { Command } from 'commander';
import type { ItemsPage, ItemView, PlantImportResult, PlantNodeView } from '../api-types.js';
import type { CliContext } from '../cli-context.js';
import { readDataFile } from '../data-file.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { formatTable } from '../text-format.js';

/** Counts the nodes of a plant description (enterprise, sites and everything below), for the progress bar. */
export function countPlantNodes(description: unknown): number | null {
  const enterprise = (description as { enterprise?: { sites?: unknown } } | null)?.enterprise;
  if (!enterprise || !Array.isArray(enterprise.sites)) return null;
  const count = (nodes: readonly unknown[]): number =>
    nodes.reduce<number>((sum, node) => {
      const children = (node as { children?: unknown }).children;
      return sum + 1 + (Array.isArray(children) ? count(children) : 0);
    }, 0);
  return 1 + count(enterprise.sites);
}

/** Shows plant nodes as a tree: sorted by their code path, each indented under its parent. */
export function plantTree(nodes: readonly PlantNodeView[]): string[] {
  const codeById = new Map(nodes.map((node) => [node.id, node.code]));
  const codePath = (node: PlantNodeView): string => node.path.map((id) => codeById.get(id) ?? id).join('\u0000');
  const sorted = [...nodes].sort((a, b) => (codePath(a) < codePath(b) ? -1 : codePath(a) > codePath(b) ? 1 : 0));
  return formatTable<PlantNodeView>(
    [
      { heading: 'code', value: (row) => `${'  '.repeat(Math.max(0, row.path.length - 1))}${row.code}` },
      { heading: 'kind', value: (row) => row.kind },
      { heading: 'name', value: (row) => row.name },
      { heading: 'id', value: (row) => row.id },
    ],
    sorted,
  );
}

/** The plant's time zone and shift starts as `GET|PATCH /api/v1/plant/time` answer them. */
interface PlantTimeView {
  readonly timeZone: string;
  readonly shifts: readonly string[];
}

/** Registers `plant import|list|time` and `item add|list`: what the factory is made of, its clock, and what it makes. */
export function registerPlantCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const plant = program.command('plant').description('the equipment hierarchy: enterprise > site > area > work center > work unit');

  plant
    .command('import')
    .description('create or update the plant from a YAML or JSON description (matched by code paths; importing twice changes nothing)')
    .argument('<file>', 'the plant description: {enterprise: {code, name, sites: [{code, name, children: [...]}]}}')
    .option('--json', "print the API's JSON answer as is")
    .action(async (file: string, options: { json?: boolean }, command: Command) => {
      const description = await readDataFile(file);
      const { api } = await context.connect(command);
      // One request is one transaction: the bar shows the nodes sent and then applied, all or none.
      const total = countPlantNodes(description);
      const bar = new ProgressBar(io, 'importing plant', total);
      bar.update(0);
      let result: PlantImportResult;
      try {
        result = await api.post<PlantImportResult>('/api/v1/plant/import', description);
        bar.update(total ?? result.nodes.length, total ?? result.nodes.length);
      } finally {
        bar.finish();
      }
      if (options.json) return printJson(io, result);
      io.out(`plant imported: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged`);
    });

  withJsonOption(plant.command('list').description('list the plant nodes with their ids')).action(async (options: { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const page = await api.get<ItemsPage<PlantNodeView>>('/api/v1/plant');
    if (options.json) return printJson(io, page);
    printLines(io, plantTree(page.items));
  });

  withJsonOption(
    plant
      .command('time')
      .description("show the plant's time zone and shift starts; with --zone or --shifts change them (admins; audited)")
      .option('--zone <name>', 'IANA time zone, e.g. Europe/Berlin (UTC for none)')
      .option('--shifts <list>', 'shift starts, local hh:mm, earliest first, comma separated, e.g. 06:00,14:00,22:00 (1 to 4)'),
  ).action(async (options: { zone?: string; shifts?: string; json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const change = {
      ...(options.zone !== undefined ? { timeZone: options.zone } : {}),
      ...(options.shifts !== undefined ? { shifts: options.shifts.split(',').map((start) => start.trim()).filter((start) => start !== '') } : {}),
    };
    const setting = Object.keys(change).length === 0 ? await api.get<PlantTimeView>('/api/v1/plant/time') : await api.patch<PlantTimeView>('/api/v1/plant/time', change);
    if (options.json) return printJson(io, setting);
    io.out(`time zone: ${setting.timeZone}`);
    io.out(`shifts:    ${setting.shifts.join(', ')}`);
  });

  const item = program.command('item').description('items (products and materials) with revisions');

  item
    .command('add')
    .description('register an item at a revision')
    .argument('<code>', 'item code')
    .argument('<revision>', 'revision, e.g. A')
    .requiredOption('--unit <unit>', 'unit of measure, e.g. pcs or kg')
    .requiredOption('--description <text>', 'what it is')
    .action(async (code: string, revision: string, options: { unit: string; description: string }, command: Command) => {
      const { api } = await context.connect(command);
      const created = await api.post<ItemView>('/api/v1/items', { code, revision, description: options.description, unit: options.unit });
      io.out(`created item ${created.code} rev ${created.revision} (${created.id})`);
    });

  withJsonOption(item.command('list').description('list items')).action(async (options: { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const page = await api.get<ItemsPage<ItemView>>('/api/v1/items');
    if (options.json) return printJson(io, page);
    printLines(
      io,
      formatTable<ItemView>(
        [
          { heading: 'code', value: (row) => row.code },
          { heading: 'rev', value: (row) => row.revision },
          { heading: 'unit', value: (row) => row.unit },
          { heading: 'description', value: (row) => row.description },
          { heading: 'id', value: (row) => row.id },
        ],
        page.items,
      ),
    );
  });
}
