import { tempFolder } from '../support/temp-folders.js';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FetchFunction } from '../../src/cli/api-client.js';
import { readCliConfig, type CliConfig } from '../../src/cli/cli-config.js';
import type { CliInput, CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';

/** A terminal that records what the CLI prints. */
export interface CapturedIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
}

/** A fake terminal; `input` becomes a non-TTY stdin. */
export function captureIo(input = ''): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    errRaw: (text) => stderr.push(text),
    stdin: Readable.from([input]) as unknown as CliInput,
    stderrIsTty: false,
  };
}

/** One request the CLI sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** What a fake server answers. */
export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/** A fetch that records requests and answers from `handler`, without a network. */
export function fakeFetch(handler: (request: RecordedRequest) => FakeAnswer): { fetch: FetchFunction; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch: FetchFunction = async (url, init) => {
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      url: new URL(url),
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const answer = handler(request);
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return {
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      statusText: '',
      headers: new Headers({ 'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json' }),
      text: async () => text,
    };
  };
  return { fetch, requests };
}

/** A configuration in a fresh temporary folder, with a token so API commands run. */
export function testConfig(env: Record<string, string> = {}): CliConfig {
  const home = tempFolder('forgeline-cli-');
  return readCliConfig({ FORGELINE_SERVER: 'https://forgeline.test', FORGELINE_TOKEN: 'test-token', FORGELINE_DATA: join(home, 'data'), ...env }, home);
}

/** Runs the CLI once against a fake server and returns what it printed and its exit code. */
export async function run(argv: string[], options: { fetch?: FetchFunction; config?: CliConfig; input?: string } = {}) {
  const io = captureIo(options.input);
  const exitCode = await runCli(argv, { io, config: options.config ?? testConfig(), fetch: options.fetch });
  return { exitCode, stdout: io.stdout, stderr: io.stderr };
}
