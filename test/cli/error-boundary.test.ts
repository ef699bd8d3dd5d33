import { describe, expect, it } from 'vitest';
import { ForgelineError } from '../../src/domain/index.js';
import { ApiError } from '../../src/cli/api-error.js';
import { CliError } from '../../src/cli/cli-error.js';
import { describeError } from '../../src/cli/error-boundary.js';
import { fakeFetch, run, testConfig } from './cli-harness.js';

const ORDER_ID = '3e418be0-12c5-4add-9782-7ad2434f5646';

function hasStack(lines: readonly string[]): boolean {
  return lines.some((line) => /\n\s+at |^\s+at /m.test(line));
}

describe('the error boundary', () => {
  it("prints the server's problem as one line and exits 1", async () => {
    const server = fakeFetch(() => ({
      status: 409,
      body: { type: 'urn:forgeline:problem:stale-version', title: 'The order changed', status: 409, code: 'stale-version', detail: 'the order is at version 3, your change was made against 2; reload and try again' },
    }));
    const result = await run(['order', 'start', ORDER_ID, '--version', '2'], { fetch: server.fetch });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual(['forgeline: stale-version: the order is at version 3, your change was made against 2; reload and try again']);
  });

  it('lists field problems on the same line', async () => {
    const server = fakeFetch(() => ({
      status: 400,
      body: { code: 'validation-failed', detail: 'The order is not valid', problems: [{ path: 'quantity.value', message: 'must be a decimal string' }, { path: 'operations', message: 'too few' }] },
    }));
    const result = await run(['order', 'list'], { fetch: server.fetch });
    expect(result.stderr).toEqual(['forgeline: validation-failed: The order is not valid (quantity.value: must be a decimal string; operations: too few)']);
  });

  it('prints an unexpected failure as "internal error" without a stack, unless FORGELINE_DEBUG=1', async () => {
    const broken = async () => ({ ok: true, status: 200, statusText: 'OK', headers: new Headers(), text: async () => { throw new TypeError('boom'); } });
    const quiet = await run(['order', 'list'], { fetch: broken });
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stderr).toEqual(['forgeline: internal error: boom']);
    expect(hasStack(quiet.stderr)).toBe(false);

    const debug = await run(['order', 'list'], { fetch: broken, config: testConfig({ FORGELINE_DEBUG: '1' }) });
    expect(debug.stderr[0]).toBe('forgeline: internal error: boom');
    expect(hasStack(debug.stderr)).toBe(true);
  });

  it('exits 2 on usage errors with one line naming the problem', async () => {
    const unknown = await run(['order', 'lisst']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toHaveLength(1);
    expect(unknown.stderr[0]).toMatch(/^forgeline: usage: unknown command 'lisst'/);

    const badLot = await run(['order', 'progress', ORDER_ID, '--operation', '1', '--good', '1', '--lot', 'nonsense']);
    expect(badLot.exitCode).toBe(2);
    expect(badLot.stderr).toEqual([expect.stringMatching(/^forgeline: usage: option '--lot <line:lot:qty>' argument 'nonsense' is invalid\. must be LINE:LOT:QTY/)]);
  });

  it('exits 0 on --help', async () => {
    const result = await run(['order', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.join('\n')).toMatch(/Usage: forgeline order/);
  });

  it('names a missing file in one line and exits 1', async () => {
    const result = await run(['order', 'create', '/nonexistent/order.yaml']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toEqual(['forgeline: file-not-found: /nonexistent/order.yaml: no such file']);
  });

  it('says clearly when not logged in, before sending anything', async () => {
    const server = fakeFetch(() => ({ status: 200, body: {} }));
    const config = testConfig({ FORGELINE_TOKEN: '' });
    const result = await run(['whoami'], { fetch: server.fetch, config });
    expect(result.stderr).toEqual(['forgeline: not-logged-in: not logged in to https://forgeline.test: run forgeline login (or set FORGELINE_TOKEN)']);
    expect(server.requests).toHaveLength(0);
  });

  it('classifies each known error kind', () => {
    expect(describeError(new ForgelineError('forbidden', 'no role of yours allows this'))).toEqual({ line: 'forbidden: no role of yours allows this', exitCode: 1, unexpected: false });
    expect(describeError(new ApiError({ status: 404, code: 'not-found', detail: 'no such order' })).line).toBe('not-found: no such order');
    expect(describeError(new CliError('usage', 'give --username')).exitCode).toBe(2);
    expect(describeError(Object.assign(new Error('ENOENT'), { code: 'ENOENT', path: '/x' })).line).toBe('file-not-found: /x: no such file or folder');
  });

  it('keeps a hostile detail on one line without terminal control characters', () => {
    const report = describeError(new ApiError({ status: 400, code: 'validation-failed', detail: 'bad\n\u001b[2Jvalue\u202e' }));
    expect(report.line).toBe('validation-failed: bad  [2Jvalue');
  });
});

describe('the CLI error codes', () => {
  it('are pinned, so scripts matching on them do not break silently', async () => {
    const { CLI_ERROR_CODES } = await import('../../src/cli/cli-error.js');
    expect(CLI_ERROR_CODES).toEqual([
      'usage',
      'file-not-found',
      'file-unreadable',
      'invalid-file',
      'invalid-config',
      'not-logged-in',
      'unreachable',
      'untrusted-certificate',
      'cancelled',
      'bad-response',
      'audit-verification-failed',
      'witness-inconsistent',
      'witness-regressed',
      'orders-refused',
    ]);
  });
});
