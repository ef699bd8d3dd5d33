/**
 * Before a backup: the live log gets a signed checkpoint of everything it holds, as the server
 * would sign within seconds anyway (and as `audit export` does). So even the backup of a young
 * folder holds a checkpoint its restore can verify the log against, and a log changed behind
 * the server's back is found now, when it can still be looked into, not at restore time.
 */
import { AuditLog, AuditTrail, hostUserActor, type AuditLogIdentity, type Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { openDatabase, type StoreOptions } from '../store/index.js';

/**
 * Records in the live log that a backup is being taken (who: the operating-system user running
 * it; where to: the output file), then signs a checkpoint of the log, which so covers that entry
 * too: the backup holds the record of its own making.
 */
export async function checkpointLiveLog(store: StoreOptions, identity: AuditLogIdentity, clock: Clock, out: string): Promise<void> {
  const opened = await openDatabase(store);
  try {
    const log = new AuditLog({ store: opened, clock, identity });
    // First the log as found (a log changed behind the server is refused before anything is added to it).
    await log.checkpoint();
    await new AuditTrail({ store: opened, clock }).recordAlone({
      kind: 'backup.create', outcome: 'ok', actor: hostUserActor(), detail: { out },
    });
    await log.checkpoint();
  } catch (error) {
    if (error instanceof ForgelineError && error.code === 'audit-integrity') {
      throw new ForgelineError('audit-integrity', `the live audit log cannot be checkpointed, so a backup of it would not restore: ${error.message}`);
    }
    throw error;
  } finally {
    await opened.close();
  }
}
