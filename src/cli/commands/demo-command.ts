import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';

/** Registers `demo`: the whole story on the embedded default in a temporary folder. */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('run the whole story in a temporary folder: a plant, users, 50 orders through their lifecycle, an edge agent and a simulated machine per work center over HTTPS and MQTT, a tampered order refused, the audit log checked')
    .action(async () => {
      // Loaded on demand, like the server it starts.
      const { runDemo } = await import('../../demo/index.js');
      await runDemo({ out: (line: string) => context.io.out(line) });
    });
}
