import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { Agent, fetch } from 'undici';
import type * as AuditModule from '../../audit/index.js';
import type { NoteVerifier, WitnessFolder, WitnessState } from '../../audit/index.js';
import { ApiError, apiErrorFrom } from '../api-error.js';
import type { ApiClient } from '../api-client.js';
import { CliError, usageError, type CliErrorCode } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import type { Connection } from '../connection.js';
import { readTextFile } from '../data-file.js';
import { describeError } from '../error-boundary.js';
import { describeNetworkFailure } from '../network-failure.js';
import { parsePositiveInt } from '../option-parsers.js';
import { waitForStopSignal } from '../stop-signal.js';

/** Options of `audit witness`. */
interface WitnessOptions {
  readonly state: string;
  readonly logKey: string;
  readonly name?: string;
  readonly once?: boolean;
  readonly interval: number;
}

/** What the server answers to a merge of cosignatures. */
interface CosignedView {
  readonly size: number;
  readonly note: string;
  readonly cosignatures: number;
}

// The audit module is loaded when the command runs, so the rest of the CLI starts without it.
type Audit = typeof AuditModule;


/**
 * GET of a text/plain resource (the checkpoint note), which the JSON {@link ApiClient} does not read:
 * same token, CA, refusals and network failures as the client.
 */
async function textReader(connection: Connection): Promise<{ get(path: string): Promise<string>; close(): Promise<void> }> {
  const caPem = connection.caFile ? await readTextFile(connection.caFile) : null;
  const agent = new Agent(caPem ? { connect: { ca: caPem } } : {});
  const get = async (path: string): Promise<string> => {
    const headers: Record<string, string> = { accept: 'text/plain, application/problem+json' };
    if (connection.token) headers.authorization = `Bearer ${connection.token}`;
    const response = await fetch(`${connection.baseUrl}${path}`, { headers, dispatcher: agent }).catch((error: unknown) => {
      throw describeNetworkFailure(error, connection.baseUrl);
    });
    const text = await response.text();
    if (!response.ok) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw apiErrorFrom(response.status, response.statusText, body);
    }
    return text;
  };
  return { get, close: () => agent.close() };
}

/** One round: fetch the checkpoint, check it against what this witness saw, cosign, hand it back, then remember it. */
async function witnessRound(
  audit: Audit,
  deps: { readonly context: CliContext; readonly api: ApiClient; readonly getText: (path: string) => Promise<string> },
  witness: { readonly folder: WitnessFolder; readonly logVerifier: NoteVerifier; state: WitnessState },
): Promise<void> {
  const { context, api, getText } = deps;
  const { folder } = witness;
  const noteText = await getText('/api/v1/audit/checkpoint');
  const self = audit.witnessVerifier(folder.name, folder.publicKey);
  const step = await audit.witnessStep({
    logVerifier: witness.logVerifier,
    witness: folder.signer,
    state: witness.state,
    noteText,
    timestamp: Math.floor(context.now().getTime() / 1000),
    consistencyProof: async (from, to) => {
      const proof = await api.get<{ hashes?: unknown }>('/api/v1/audit/proof/consistency', { from, to });
      const hashes = Array.isArray(proof.hashes) ? proof.hashes : [];
      // A hash that does not decode is left empty: the proof then fails to verify, as a forged one would.
      return hashes.map((hash: unknown) => (typeof hash === 'string' ? audit.decodeBase64(hash) : undefined) ?? new Uint8Array(0));
    },
  });
  if (!step.ok) {
    const { code, message } = step.error;
    const cliCode: CliErrorCode = code === 'witness-inconsistent' || code === 'witness-regressed' ? code : 'audit-verification-failed';
    throw new CliError(cliCode, cliCode === 'audit-verification-failed' ? `${code}: the served checkpoint: ${message}` : message);
  }
  const { checkpoint, previous } = step.value;
  const unchanged = previous?.size === checkpoint.size && audit.verifyCosignatures(noteText, [self], 1).ok;
  if (!unchanged) {
    const stored = await api.post<CosignedView>('/api/v1/audit/checkpoint/cosignatures', { note: step.value.note });
    if (typeof stored?.note !== 'string' || !audit.verifyCosignatures(stored.note, [self], 1).ok) {
      throw new CliError('bad-response', `the server at ${api.baseUrl} did not keep the cosignature of the checkpoint of size ${checkpoint.size}`);
    }
  }
  // Only now, the log holding the cosignature, does the witness remember the checkpoint (issue 3 point 7).
  await audit.saveWitnessState(folder.dir, folder.name, step.value.state);
  witness.state = step.value.state;
  const since = previous === undefined ? 'first sight of this log' : previous.size === checkpoint.size ? 'unchanged' : `consistent with size ${previous.size}`;
  context.io.out(`${unchanged ? 'already cosigned' : 'cosigned'} ${checkpoint.origin} size ${checkpoint.size} root ${checkpoint.rootHash} (${since})`);
}

/**
 * Whether a polling witness should try again after `error`: the server was unreachable, had no
 * checkpoint yet, was busy or failed. A refusal by the witness, a lost login or a bug ends it.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof CliError) return error.code === 'unreachable';
  return error instanceof ApiError && (error.status === 404 || error.status === 409 || error.status === 429 || error.status >= 500);
}

/** Registers `audit witness`: an external witness that cosigns the log's checkpoints while they stay consistent. */
export function registerWitnessCommand(audit: Command, context: CliContext): void {
  const { io } = context;
  audit
    .command('witness')
    .description('witness the log: cosign its checkpoint only when it extends the last one this witness cosigned (an auditor\'s login)')
    .requiredOption('--state <dir>', 'the witness\'s folder: its private key (made on first run) and what it cosigned')
    .requiredOption('--log-key <keyline>', 'the log\'s verifier key line, from GET /api/v1/audit/key, obtained out of band')
    .option('--name <name>', 'the witness key\'s name on first run (default forgeline.witness/<key hash>)')
    .option('--once', 'one round, then exit (for cron and tests)')
    .option('--interval <seconds>', 'seconds between rounds when polling', parsePositiveInt, 60)
    .action(async (options: WitnessOptions, command: Command) => {
      const auditModule = await import('../../audit/index.js');
      const logVerifier = auditModule.parseVerifierKey(options.logKey);
      if (!logVerifier.ok) throw usageError(`--log-key: ${logVerifier.error.message}`);
      let folder: WitnessFolder;
      try {
        folder = await auditModule.openWitnessFolder(resolve(options.state), { name: options.name });
      } catch (error) {
        if (!(error instanceof auditModule.WitnessFolderError)) throw error;
        throw error.code === 'witness-name-mismatch' ? usageError(error.message) : new CliError('invalid-file', error.message);
      }
      if (folder.created) {
        io.out(`witness key: ${auditModule.witnessKeyLine(folder.name, folder.publicKey)}`);
        io.err('give this key line to auditors: forgeline audit verify <export> --key <log key> --witness <this line> --threshold <n>');
      }
      const { api, connection } = await context.connect(command);
      const reader = await textReader(connection);
      const witness = { folder, logVerifier: logVerifier.value, state: folder.state };
      const deps = { context, api, getText: reader.get };
      try {
        if (options.once) return await witnessRound(auditModule, deps, witness);
        const stopped = new AbortController();
        void waitForStopSignal().then((signal) => {
          io.err(`${signal}: stopping the witness`);
          stopped.abort();
        });
        io.err(`witnessing ${connection.baseUrl} every ${options.interval} s; Ctrl-C to stop`);
        while (!stopped.signal.aborted) {
          try {
            await witnessRound(auditModule, deps, witness);
          } catch (error) {
            if (!isTransient(error)) throw error;
            io.err(`forgeline: warning: ${describeError(error).line ?? 'round failed'}; trying again in ${options.interval} s`);
          }
          await sleep(options.interval * 1000, undefined, { signal: stopped.signal }).catch(() => undefined);
        }
      } finally {
        await reader.close();
      }
    });
}
