import { CliContext, type CliDeps } from './cli-context.js';
import { reportError } from './error-boundary.js';
import { buildProgram } from './program.js';

/**
 * Runs one `forgeline` invocation (arguments without `node` and the script) and
 * resolves to its exit code. Every error ends here, in the one boundary that
 * prints a single line; nothing is thrown out and the process is never exited.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const context = new CliContext(deps);
  try {
    await buildProgram(context).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, deps.io, deps.config.debug);
  } finally {
    await context.close();
  }
}
