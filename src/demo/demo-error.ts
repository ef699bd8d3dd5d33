/**
 * An unexpected answer or a broken expectation during the demo. The message is one
 * line naming the step and the problem (the API's `code` and `detail` when it sent
 * one), so the CLI can print it as is.
 */
export class DemoError extends Error {
  readonly step: string;

  constructor(step: string, problem: string) {
    super(`demo failed at ${step}: ${problem.replace(/\s+/g, ' ').trim()}`);
    this.name = 'DemoError';
    this.step = step;
  }
}
