import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { AuditTrail, ExportVerifier, ExportVerifierOptionsError, auditExportLines, formatExportLine, systemClock, verifyCheckpoint, verifyStoredLog, type ExportVerification } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { openDatabase } from '../store/index.js';
import { loadAuditIdentity } from './audit-identity.js';
import { readManifest, storeOptionsFor } from './data-folder.js';
import { createServices } from './services.js';

/** Where the log of a data folder is, and who asks (the audit log records local exports as the operator). */
export interface LocalAuditOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
}

/** What an export wrote. */
export interface ExportResult {
  readonly entries: number;
  readonly checkpoints: number;
  readonly verifierKey: string;
}

async function openLocal(options: LocalAuditOptions) {
  const manifest = await readManifest(options.dataDir);
  const store = await openDatabase(storeOptionsFor(options.dataDir, manifest, options.databaseUrl));
  const identity = await loadAuditIdentity(options.dataDir, manifest);
  return { store, identity, services: createServices({ store, clock: systemClock, auditIdentity: identity }) };
}

/**
 * Writes the audit log of a data folder as JSON Lines (issue 3's export format): the
 * export itself is audited first, then a checkpoint is signed so every entry is covered.
 * Written to a temporary file and renamed, so a crash never leaves half an export.
 */
export async function exportAuditLog(options: LocalAuditOptions & { readonly out: string }): Promise<ExportResult> {
  const { store, identity, services } = await openLocal(options);
  try {
    await new AuditTrail({ store, clock: systemClock }).recordAlone({
      kind: 'audit.export', outcome: 'ok', actor: { userId: null, username: 'local-operator', source: 'cli' }, detail: { out: options.out },
    });
    // The export ends at this checkpoint's size: entries another process appends meanwhile (a
    // running server on the same database) would go out with no signature over them.
    const checkpoint = await services.auditLog.checkpoint();
    const temporary = `${options.out}.partial`;
    const file = createWriteStream(temporary, { mode: 0o600 });
    let entries = 0;
    let checkpoints = 0;
    const upTo = checkpoint === null ? {} : { upTo: checkpoint.size };
    for await (const line of auditExportLines(store, { origin: identity.origin, exportedAt: systemClock.now().toISOString(), ...upTo })) {
      if (line.type === 'entry') entries += 1;
      if (line.type === 'checkpoint') checkpoints += 1;
      if (!file.write(formatExportLine(line))) await once(file, 'drain');
    }
    file.end();
    await finished(file);
    await rename(temporary, options.out);
    return { entries, checkpoints, verifierKey: services.auditLog.verifierKeyLine() };
  } finally {
    await store.close();
  }
}

/** Options of an offline verification. */
export interface VerifyOptions {
  readonly keyLine: string;
  readonly witnessKeys?: readonly string[];
  readonly witnessThreshold?: number;
}

/** Verifies an export file offline, streaming: nothing but the file and the public key(s). */
export async function verifyAuditExport(file: string, options: VerifyOptions): Promise<ExportVerification> {
  await stat(file).catch(() => {
    throw new ForgelineError('not-found', `cannot read ${file}`);
  });
  let verifier: ExportVerifier;
  try {
    verifier = new ExportVerifier({ logKey: options.keyLine, witnessKeys: [...(options.witnessKeys ?? [])], ...(options.witnessThreshold !== undefined ? { witnessThreshold: options.witnessThreshold } : {}) });
  } catch (error) {
    if (error instanceof ExportVerifierOptionsError) throw new ForgelineError('validation-failed', error.message);
    throw error;
  }
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) verifier.push(line, ++number);
  return verifier.finish();
}

/**
 * Verifies the live log of a data folder against its own public key and every stored
 * checkpoint, plus checkpoints kept elsewhere (`checkpointFiles`): a log truncated or
 * rolled back to an old copy cannot match a checkpoint signed after it.
 */
export async function verifyLiveAuditLog(options: LocalAuditOptions & { readonly checkpointFiles?: readonly string[] }): Promise<ExportVerification> {
  const { store, identity } = await openLocal(options);
  try {
    const extraCheckpoints = [];
    for (const path of options.checkpointFiles ?? []) {
      const note = await readFile(path, 'utf8').catch(() => {
        throw new ForgelineError('not-found', `cannot read the checkpoint file ${path}`);
      });
      const checked = verifyCheckpoint(note, identity.verifier, identity.origin);
      if (!checked.ok) throw new ForgelineError('validation-failed', `${path} is not a checkpoint of this log: ${checked.error.message}`);
      extraCheckpoints.push({ size: Number(checked.value.size), note });
    }
    return await verifyStoredLog(store, identity, extraCheckpoints);
  } finally {
    await store.close();
  }
}
