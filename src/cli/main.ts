/**
 * The `forgeline` command's entry point (bin/forgeline.js imports the compiled
 * file): the composition root that reads the environment once, runs the CLI,
 * and the only place that sets the process's exit status.
 */
import { readCliConfig } from './cli-config.js';
import { processIo } from './cli-io.js';
import { reportError } from './error-boundary.js';
import { runCli } from './run-cli.js';

async function main(): Promise<number> {
  const io = processIo();
  // A closed pipe (`forgeline order list | head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  let config;
  try {
    config = readCliConfig(process.env);
  } catch (error) {
    return reportError(error, io, false);
  }
  return runCli(process.argv.slice(2), { io, config });
}

process.exitCode = await main();
